"""Entry point of rule ground_truth_summary; the work is wsnas.jobs.pipeline.ground_truth."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import pipeline  # noqa: E402

pipeline.ground_truth(snakemake)  # noqa: F821
