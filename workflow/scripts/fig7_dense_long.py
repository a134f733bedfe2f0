"""Rule fig7_dense_long: Figure 7, dense curves of the longer run (wsnas.reporting.study_figures.fig7_dense_long)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig7_dense_long,
           config=s.params.config, dense=s.input.dense, ground_truth=s.input.ground_truth, outputs=list(s.output))
