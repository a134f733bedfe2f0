"""Rule train_search: one instance of a search run (wsnas.jobs.training.train_search)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, training  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, training.train_search, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           manifest=s.output.manifest, dense=s.output.dense, history=s.output.history, run=s.params.run,
           threads=s.threads)
