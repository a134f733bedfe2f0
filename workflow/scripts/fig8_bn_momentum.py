"""Rule fig8_bn_momentum: Figure 8, BN momentum (wsnas.reporting.study_figures.fig8_bn_momentum)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig8_bn_momentum,
           config=s.params.config, low=list(s.input.low), high=list(s.input.high), ground_truth=s.input.ground_truth,
           outputs=list(s.output))
