"""Rule train_search: one instance of a search run (wsnas.jobs.training.train_search)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_search, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           manifest=s.output.manifest, dense=s.output.dense, history=s.output.history, run=s.params.run,
           threads=s.threads)
