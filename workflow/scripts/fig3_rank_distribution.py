"""Rule fig3_rank_distribution: Figure 3, rank distributions (wsnas.reporting.figures.fig3_rank_distribution)."""
from wsnas.jobs import common
from wsnas.reporting import figures

s = snakemake  # noqa: F821
common.run(s.log, figures.fig3_rank_distribution,
           config=s.params.config, instances=list(s.input.instances), epochs_instance=s.input.epochs_instance,
           ground_truth=s.input.ground_truth, outputs=list(s.output))
