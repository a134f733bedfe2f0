"""Rule random_rank: the random-rank baseline (wsnas.jobs.reports.random_rank)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.random_rank,
           rankings=s.params.rankings, seed=s.params.seed, output=s.output[0])
