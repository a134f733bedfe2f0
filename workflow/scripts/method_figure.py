"""A method's figure (rules/figures.smk makes one rule per figure a method declares; wsnas.jobs.reports.method_figure)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.method_figure, producer=s.params.producer, config=s.params.config, runs=list(s.params.runs),
           inputs=list(s.input.inputs), outputs=list(s.output), ground_truth=s.input.get("ground_truth"))
