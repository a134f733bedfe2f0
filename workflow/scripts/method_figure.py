"""A method's figure (rules/figures.smk makes one rule per figure a method declares; wsnas.methods.declaration.Figure)."""
from wsnas.jobs import common
from wsnas.jobs.reports import figure_producer

s = snakemake  # noqa: F821
common.run(s.log, figure_producer(s.params.producer), config=s.params.config, runs=list(s.params.runs),
           inputs=list(s.input.inputs), outputs=list(s.output), ground_truth=s.input.get("ground_truth"))
