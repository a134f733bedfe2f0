"""Rule fig8_bn_momentum: Figure 8, BN momentum (wsnas.reporting.study_figures.fig8_bn_momentum)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig8_bn_momentum,
           config=s.params.config, low=list(s.input.low), high=list(s.input.high), ground_truth=s.input.ground_truth,
           outputs=list(s.output))
