"""Rule table3a_group_sharing: Table 3a, group sharing (wsnas.jobs.reports.table3a_group_sharing)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table3a_group_sharing,
           config=s.params.config, metrics=list(s.input.metrics), outputs=list(s.output),
           provenance=s.params.provenance)
