"""Entry point of rule(s) figure; the work is wsnas.jobs.pipeline.figure."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.figure(snakemake)  # noqa: F821
