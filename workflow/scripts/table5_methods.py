"""Rule table5_methods: every search run against the ground truth (wsnas.jobs.reports.table5_methods)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table5_methods,
           config=s.params.config, summaries=list(s.input.summaries), instances=list(s.input.instances),
           benchmarks=list(s.input.benchmarks), retrain=s.input.retrain, mechanisms=list(s.input.mechanisms),
           outputs=list(s.output.table),
           comparisons=s.output.comparisons,
           provenance=s.params.provenance)
