"""Rule random_rank: the random-rank baseline (wsnas.jobs.reports.random_rank)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.random_rank,
           rankings=s.params.rankings, seed=s.params.seed, output=s.output[0])
