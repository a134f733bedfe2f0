"""Rule ground_truth_summary: each child's ground truth over the seeds (wsnas.jobs.reports.ground_truth_summary)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.ground_truth_summary,
           seeds=list(s.input.seeds), output=s.output[0])
