"""Entry point of rule(s) table3a; the work is wsnas.jobs.pipeline.table3a."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.table3a(snakemake)  # noqa: F821
