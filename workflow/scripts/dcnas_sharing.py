"""Rule dcnas_sharing: which children share which weight copy (wsnas.reporting.dcnas_figures)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import dcnas_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, dcnas_figures.dcnas_sharing, config=s.params.config, runs=list(s.params.runs),
           tables=list(s.input.tables), outputs=list(s.output))
