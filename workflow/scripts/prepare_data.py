"""Entry point of rule prepare_data; the work is wsnas.pipeline.prepare_data."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas import pipeline  # noqa: E402

pipeline.prepare_data(snakemake)  # noqa: F821
