"""Entry point of rule random_rank; the work is wsnas.jobs.pipeline.random_rank."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.random_rank(snakemake)  # noqa: F821
