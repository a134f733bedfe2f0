"""Rule search_metrics: one search run against the ground truth (wsnas.jobs.reports.search_metrics)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.search_metrics,
           run=s.params.run, accuracy={bn: list(s.input[f"accuracy_{bn}"]) for bn in s.params.bn_modes},
           dense=list(s.input.dense), history=list(s.input.history), ground_truth=s.input.ground_truth, dense_mode=s.params.dense_mode,
           window=s.params.window, interval=s.params.interval, top_k=s.params.top_k, instances=s.output.instances,
           summary=s.output.summary, disturbance=s.output.disturbance, picks=s.output.picks,
           mechanism=s.output.mechanism,
           method=s.params.method)
