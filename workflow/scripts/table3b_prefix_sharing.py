"""Rule table3b_prefix_sharing: Table 3b, prefix sharing (wsnas.jobs.reports.table3b_prefix_sharing)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.table3b_prefix_sharing,
           config=s.params.config, metrics=list(s.input.metrics), outputs=list(s.output),
           provenance=s.params.provenance)
