"""Rule table1_stability: Table 1, instability across instances (wsnas.jobs.reports.table1_stability)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table1_stability,
           config=s.params.config, stability=list(s.input.stability), last_epochs=list(s.input.last_epochs),
           random_rank=s.input.random_rank, gt_stability=s.input.gt_stability, outputs=list(s.output),
           provenance=s.params.provenance)
