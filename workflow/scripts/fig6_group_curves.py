"""Rule fig6_group_curves: Figure 6, one group's curves (wsnas.reporting.study_figures.fig6_group_curves)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig6_group_curves,
           config=s.params.config, group=s.input.group, shared=s.input.shared, ground_truth=s.input.ground_truth,
           outputs=list(s.output))
