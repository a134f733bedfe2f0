"""Rule study_metrics: window metrics of one study run (wsnas.jobs.reports.study_metrics)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.study_metrics,
           dense=list(s.input.dense), ground_truth=s.input.ground_truth, window=s.params.window, output=s.output[0])
