"""Entry point of rule(s) paper_comparison; the work is wsnas.jobs.pipeline.paper_comparison."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.paper_comparison(snakemake)  # noqa: F821
