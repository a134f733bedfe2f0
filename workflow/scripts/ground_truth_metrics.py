"""Rule ground_truth_metrics: S-Tau and GT-Tau of the ground-truth seeds (wsnas.jobs.reports)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.ground_truth_metrics,
           seeds=list(s.input.seeds), ground_truth=s.input.ground_truth,
           stability_per_epoch=s.output.stability_per_epoch, gt_metrics=s.output.gt_metrics)
