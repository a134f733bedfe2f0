"""Entry point of rule(s) study_metrics; the work is wsnas.jobs.pipeline.study_metrics."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.study_metrics(snakemake)  # noqa: F821
