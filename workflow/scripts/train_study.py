"""Entry point of rule(s) train_study; the work is wsnas.pipeline.train_study."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas import pipeline  # noqa: E402

pipeline.train_study(snakemake)  # noqa: F821
