"""Rule search_sharing: the sharing state a search instance learned (wsnas.jobs.training.search_sharing)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, training  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, training.search_sharing, cfg=s.params.job.config, data=s.input.data, manifest=s.input.manifest,
           output=s.output[0], threads=s.threads)
