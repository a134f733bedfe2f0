"""Rule fig6_group_curves: Figure 6, one group's curves (wsnas.reporting.study_figures.fig6_group_curves)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig6_group_curves,
           config=s.params.config, group=s.input.group, shared=s.input.shared, ground_truth=s.input.ground_truth,
           outputs=list(s.output))
