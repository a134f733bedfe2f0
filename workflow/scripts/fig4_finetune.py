"""Rule fig4_finetune: Figure 4, fine-tuning from snapshots (wsnas.reporting.study_figures.fig4_finetune)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import study_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, study_figures.fig4_finetune,
           config=s.params.config, finetune=list(s.input.finetune), ground_truth=s.input.ground_truth,
           outputs=list(s.output))
