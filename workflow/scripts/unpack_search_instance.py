"""Rule unpack_search_instance: one instance's files out of its pack (wsnas.jobs.training.unpack_search_instance)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.unpack_search_instance, folder=s.input.pack, instance=s.params.instance,
           pack_benchmark=s.input.benchmark, size=s.params.size, manifest=s.output.manifest, dense=s.output.dense,
           history=s.output.history, benchmark=s.output.benchmark)
