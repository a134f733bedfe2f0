"""Rule table4_prefix_details: Table 4, prefix sharing details (wsnas.jobs.reports.table4_prefix_details)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.table4_prefix_details,
           config=s.params.config, metrics=list(s.input.metrics), outputs=list(s.output),
           provenance=s.params.provenance)
