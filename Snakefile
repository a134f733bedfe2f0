# wsnas: "Deeper Insights into Weight Sharing in NAS" as a Snakemake DAG.
#   snakemake -c all all            the embedded demo (config/config.yaml)
#   snakemake --profile slurm all_tables    the paper configuration on SLURM GPUs (config/paper.yaml)
from snakemake.utils import min_version, validate

min_version("9.0")


# The embedded demo is the default; a --configfile (the SLURM profile names config/paper.yaml) replaces it
# rather than being merged over it, so no demo setting leaks into another configuration.
if not workflow.overwrite_configfiles:

    configfile: f"{workflow.basedir}/config/config.yaml"


include: "rules/common.smk"


validate(config, "config/schema.yaml")


include: "rules/data.smk"
include: "rules/supernet.smk"
include: "rules/ground_truth.smk"
include: "rules/studies.smk"
include: "rules/searches.smk"
include: "rules/retrain.smk"
include: "rules/metrics.smk"
include: "rules/tables.smk"
include: "rules/figures.smk"
include: "rules/comparison.smk"


rule all:
    default_target: True
    localrule: True
    input:
        rules.all_tables.input,
        rules.all_figures.input,
        rules.paper_comparison.output,
