"""Entry point of rule train_supernet; the work is wsnas.pipeline.train_supernet."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas import pipeline  # noqa: E402

pipeline.train_supernet(snakemake)  # noqa: F821
