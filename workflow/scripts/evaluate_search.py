"""Rule evaluate_search: every child of a search run's instance in one BN mode (wsnas.jobs.training.evaluate_search)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.evaluate_search, cfg=s.params.job.config, data=s.input.data, manifest=s.input.manifest,
           output=s.output[0], last_only=s.params.last_only, threads=s.threads)
