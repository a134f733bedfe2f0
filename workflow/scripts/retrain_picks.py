"""Checkpoint retrain_picks: every search run's picks in one table (wsnas.jobs.reports.retrain_picks)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.retrain_picks, picks=list(s.input), output=s.output[0])
