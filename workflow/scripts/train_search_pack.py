"""Rule train_search_pack: train.streams instances of a search run in one process (wsnas.jobs.training.train_search_pack)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_search_pack, cfgs=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           folder=s.output[0], instances=s.params.instances, run=s.params.run, threads=s.threads)
