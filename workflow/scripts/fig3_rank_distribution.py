"""Entry point of rule fig3_rank_distribution; the work is wsnas.jobs.pipeline.figure3."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.figure3(snakemake)  # noqa: F821
