"""Rule remedy_metrics: one of seed 002's remedies as a row of Table 5 (wsnas.jobs.reports.remedy_metrics)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.remedy_metrics, run=s.params.run, dense=list(s.input.dense),
           ground_truth=s.input.ground_truth, bn_mode=s.params.bn_mode, window=s.params.window,
           top_k=s.params.top_k, instances=s.output.instances, summary=s.output.summary, picks=s.output.picks)
