"""Entry point of rule evaluate_subnets; the work is wsnas.pipeline.evaluate_subnets."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas import pipeline  # noqa: E402

pipeline.evaluate_subnets(snakemake)  # noqa: F821
