"""Rule table2_ground_truth: Table 2, comparison with the ground truth (wsnas.jobs.reports.table2_ground_truth)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table2_ground_truth,
           config=s.params.config, gt_metrics=list(s.input.gt_metrics), gt_seed_metrics=s.input.gt_seed_metrics,
           outputs=list(s.output), provenance=s.params.provenance)
