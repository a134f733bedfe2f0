"""Entry point of rule(s) table4; the work is wsnas.jobs.pipeline.table4."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.table4(snakemake)  # noqa: F821
