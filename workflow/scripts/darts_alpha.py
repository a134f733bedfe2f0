"""Rule darts_alpha: DARTS's architecture parameters per epoch (wsnas.reporting.darts_figures)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import darts_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, darts_figures.darts_alpha, config=s.params.config, runs=list(s.params.runs),
           histories=list(s.input.histories), outputs=list(s.output))
