"""Rule experiment_metrics: S-Tau, GT-Tau and TnR of one experiment (wsnas.jobs.reports.experiment_metrics)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.experiment_metrics,
           accuracy=list(s.input.accuracy), ground_truth=s.input.ground_truth, last=s.params.last_epochs,
           stability_per_epoch=s.output.stability_per_epoch, gt_metrics=s.output.gt_metrics,
           last_epochs=s.output.last_epochs)
