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
include: "rules/metrics.smk"
include: "rules/studies.smk"
include: "rules/reports.smk"


localrules:
    all,
    all_tables,
    all_figures,
    experiment_metrics,
    ground_truth_summary,
    ground_truth_metrics,
    random_rank,
    table1_stability,
    table2_ground_truth,
    fig2_stau_per_epoch,
    fig3_rank_distribution,
    study_metrics,
    table3a_group_sharing,
    table3b_prefix_sharing,
    table4_prefix_details,
    fig4_finetune,
    fig5_dense,
    fig6_group_curves,
    fig7_dense_long,
    fig8_bn_momentum,
    fig9_sgd_momentum,
    paper_comparison,


rule all:
    default_target: True
    input:
        rules.all_tables.input,
        rules.all_figures.input,
        rules.paper_comparison.output,
