"""Entry point of rule table1_stability; the work is wsnas.jobs.pipeline.table1."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.table1(snakemake)  # noqa: F821
