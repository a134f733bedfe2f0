"""Rule fig5_dense: Figure 5, dense curves in fixed and shuffled order (wsnas.reporting.study_figures.fig5_dense)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig5_dense,
           config=s.params.config, fixed=s.input.fixed, shuffled=s.input.shuffled, ground_truth=s.input.ground_truth,
           outputs=list(s.output))
