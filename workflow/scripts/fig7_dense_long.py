"""Rule fig7_dense_long: Figure 7, dense curves of the longer run (wsnas.reporting.study_figures.fig7_dense_long)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig7_dense_long,
           config=s.params.config, dense=s.input.dense, ground_truth=s.input.ground_truth, outputs=list(s.output))
