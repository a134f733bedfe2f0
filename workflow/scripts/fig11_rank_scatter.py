"""Rule fig11_rank_scatter: each search run's scores against the ground truth (wsnas.reporting.method_figures)."""
from wsnas.jobs import common
from wsnas.reporting import method_figures

s = snakemake  # noqa: F821
common.run(s.log, method_figures.fig11_rank_scatter, config=s.params.config, runs=list(s.params.runs),
           accuracy=list(s.input.accuracy), ground_truth=s.input.ground_truth, outputs=list(s.output))
