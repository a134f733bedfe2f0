"""Rule fig4_finetune: Figure 4, fine-tuning from snapshots (wsnas.reporting.study_figures.fig4_finetune)."""
from wsnas.jobs import common
from wsnas.reporting import study_figures

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig4_finetune,
           config=s.params.config, finetune=list(s.input.finetune), ground_truth=s.input.ground_truth,
           outputs=list(s.output))
