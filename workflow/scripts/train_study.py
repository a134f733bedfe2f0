"""Rule train_study: one study run's instance (wsnas.jobs.training.train_study)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_study, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           output=s.output[0], reuse=s.params.reuse.networks, threads=s.threads)
