"""Rule evaluate_subnets: every child at each ranked epoch (wsnas.jobs.training.evaluate_subnets)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.evaluate_subnets, cfg=s.params.job.config, data=s.input.data, manifest=s.input.manifest,
           output=s.output[0], every=s.params.every, last=s.params.last, threads=s.threads)
