"""Rule di_nas_disturbance: DI-NAS Figure 3 quantities per run (wsnas.reporting.di_nas_figures.di_nas_disturbance)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import di_nas_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, di_nas_figures.di_nas_disturbance, config=s.params.config, runs=list(s.params.runs),
           disturbance=list(s.input.disturbance), outputs=list(s.output))
