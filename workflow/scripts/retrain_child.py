"""Rule retrain_child: one picked child retrained alone from scratch (wsnas.jobs.training.retrain_child)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, training  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, training.retrain_child, cfg=s.params.job.config, data=s.input.data, checkpoints=s.params.checkpoints,
           output=s.output[0], threads=s.threads)
