"""Rule fig9_sgd_momentum: Figure 9, SGD momentum 0 (wsnas.reporting.study_figures.fig9_sgd_momentum)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig9_sgd_momentum,
           config=s.params.config, dense=s.input.dense, ground_truth=s.input.ground_truth, outputs=list(s.output))
