"""Rule fig9_sgd_momentum: Figure 9, SGD momentum 0 (wsnas.reporting.study_figures.fig9_sgd_momentum)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig9_sgd_momentum,
           config=s.params.config, dense=s.input.dense, ground_truth=s.input.ground_truth, outputs=list(s.output))
