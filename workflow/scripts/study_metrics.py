"""Rule study_metrics: window metrics of one study run (wsnas.jobs.reports.study_metrics)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.study_metrics,
           dense=list(s.input.dense), ground_truth=s.input.ground_truth, window=s.params.window, output=s.output[0])
