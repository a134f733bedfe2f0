"""Rule train_supernet: one supernet instance (wsnas.jobs.training.train_supernet)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_supernet, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           manifest=s.output.manifest, threads=s.threads)
