"""Rule table3b_prefix_sharing: Table 3b, prefix sharing (wsnas.jobs.reports.table3b_prefix_sharing)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table3b_prefix_sharing,
           config=s.params.config, metrics=list(s.input.metrics), outputs=list(s.output),
           provenance=s.params.provenance)
