"""Entry point of rule fig2_stau_per_epoch; the work is wsnas.jobs.pipeline.figure2."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.figure2(snakemake)  # noqa: F821
