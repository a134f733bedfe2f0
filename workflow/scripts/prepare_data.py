"""Rule prepare_data: the dataset as tensors (wsnas.jobs.training.prepare_data)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, training  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, training.prepare_data, data_cfg=s.params.job.config, output=s.output[0])
