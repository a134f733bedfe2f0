"""Rule retrain_results: the retrained accuracy of every pick (wsnas.jobs.reports.retrain_results)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.retrain_results, picks=s.input.picks, results=list(s.input.results), seeds=s.params.seeds,
           output=s.output[0])
