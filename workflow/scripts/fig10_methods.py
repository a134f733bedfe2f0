"""Rule fig10_methods: ranking quality against measured cost per search run (wsnas.reporting.method_figures)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import method_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, method_figures.fig10_methods, config=s.params.config, table=s.input.table, outputs=list(s.output))
