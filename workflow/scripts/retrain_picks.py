"""Checkpoint retrain_picks: every search run's picks in one table (wsnas.jobs.reports.retrain_picks)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.retrain_picks, picks=list(s.input), output=s.output[0])
