"""Rule darts_pick_rank: the ground-truth rank of DARTS's derived child per epoch (wsnas.reporting.darts_figures)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import darts_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, darts_figures.darts_pick_rank, config=s.params.config, runs=list(s.params.runs),
           histories=list(s.input.histories), ground_truth=s.input.ground_truth, outputs=list(s.output))
