"""Entry point of rule experiment_metrics; the work is wsnas.jobs.pipeline.experiment_metrics."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.experiment_metrics(snakemake)  # noqa: F821
