"""Rule train_ground_truth: children trained alone (wsnas.jobs.training.train_ground_truth)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.train_ground_truth, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           output=s.output[0], threads=s.threads)
