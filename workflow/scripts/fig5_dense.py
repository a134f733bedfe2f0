"""Rule fig5_dense: Figure 5, dense curves in fixed and shuffled order (wsnas.reporting.study_figures.fig5_dense)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig5_dense,
           config=s.params.config, fixed=s.input.fixed, shuffled=s.input.shuffled, ground_truth=s.input.ground_truth,
           outputs=list(s.output))
