"""Rule train_supernet_pack: train.streams supernet instances in one process (wsnas.jobs.training.train_supernet_pack)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_supernet_pack, cfgs=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           folder=s.output[0], instances=s.params.instances, threads=s.threads)
