"""Rule retrain_results: the retrained accuracy of every pick (wsnas.jobs.reports.retrain_results)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.retrain_results, picks=s.input.picks, results=list(s.input.results), seeds=s.params.seeds,
           output=s.output[0])
