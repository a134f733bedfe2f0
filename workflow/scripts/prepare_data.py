"""Rule prepare_data: the dataset as tensors (wsnas.jobs.training.prepare_data)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.prepare_data, data_cfg=s.params.job.config, output=s.output[0])
