"""Entry point of rule(s) finetune; the work is wsnas.pipeline.finetune."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas import pipeline  # noqa: E402

pipeline.finetune(snakemake)  # noqa: F821
