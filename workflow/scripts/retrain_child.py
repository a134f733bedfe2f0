"""Rule retrain_child: one picked child retrained alone from scratch (wsnas.jobs.training.retrain_child)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.retrain_child, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           output=s.output[0], threads=s.threads)
