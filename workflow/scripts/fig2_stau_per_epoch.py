"""Rule fig2_stau_per_epoch: Figure 2, S-Tau per epoch (wsnas.reporting.figures.fig2_stau_per_epoch)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, figures.fig2_stau_per_epoch,
           config=s.params.config, stability=list(s.input.stability), gt_stability=s.input.gt_stability,
           outputs=list(s.output))
