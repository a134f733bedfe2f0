"""Rule fig2_stau_per_epoch: Figure 2, S-Tau per epoch (wsnas.reporting.figures.fig2_stau_per_epoch)."""
from wsnas.jobs import common
from wsnas.reporting import figures

s = snakemake  # noqa: F821
common.run(s.log, figures.fig2_stau_per_epoch,
           config=s.params.config, stability=list(s.input.stability), gt_stability=s.input.gt_stability,
           outputs=list(s.output))
