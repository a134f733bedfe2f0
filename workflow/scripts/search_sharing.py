"""Rule search_sharing: the sharing state a search instance learned (wsnas.jobs.training.search_sharing)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.search_sharing, cfg=s.params.job.config, data=s.input.data, manifest=s.input.manifest,
           output=s.output[0], threads=s.threads)
