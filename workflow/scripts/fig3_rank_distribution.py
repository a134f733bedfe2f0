"""Rule fig3_rank_distribution: Figure 3, rank distributions (wsnas.reporting.figures.fig3_rank_distribution)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, figures.fig3_rank_distribution,
           config=s.params.config, instances=list(s.input.instances), epochs_instance=s.input.epochs_instance,
           ground_truth=s.input.ground_truth, outputs=list(s.output))
