"""Rule table2_ground_truth: Table 2, comparison with the ground truth (wsnas.jobs.reports.table2_ground_truth)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.table2_ground_truth,
           config=s.params.config, gt_metrics=list(s.input.gt_metrics), gt_seed_metrics=s.input.gt_seed_metrics,
           outputs=list(s.output), provenance=s.params.provenance)
