"""Rule unpack_search_instance: one instance's files out of its pack (wsnas.jobs.training.unpack_search_instance)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.unpack_search_instance, folder=s.input[0], instance=s.params.instance, manifest=s.output.manifest,
           dense=s.output.dense, history=s.output.history, benchmark=s.output.benchmark)
