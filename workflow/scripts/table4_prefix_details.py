"""Rule table4_prefix_details: Table 4, prefix sharing details (wsnas.jobs.reports.table4_prefix_details)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.table4_prefix_details,
           config=s.params.config, metrics=list(s.input.metrics), outputs=list(s.output),
           provenance=s.params.provenance)
