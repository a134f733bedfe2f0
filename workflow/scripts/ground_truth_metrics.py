"""Rule ground_truth_metrics: S-Tau and GT-Tau of the ground-truth seeds (wsnas.jobs.reports)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.ground_truth_metrics,
           seeds=list(s.input.seeds), ground_truth=s.input.ground_truth,
           stability_per_epoch=s.output.stability_per_epoch, gt_metrics=s.output.gt_metrics)
