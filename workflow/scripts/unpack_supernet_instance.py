"""Rule unpack_supernet_instance: one supernet instance's manifest out of its pack (wsnas.jobs.training.unpack_supernet_instance)."""
from wsnas.jobs import common, training

s = snakemake  # noqa: F821
common.run(s.log, training.unpack_supernet_instance, folder=s.input[0], instance=s.params.instance, manifest=s.output.manifest)
