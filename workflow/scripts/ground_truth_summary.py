"""Rule ground_truth_summary: each child's ground truth over the seeds (wsnas.jobs.reports.ground_truth_summary)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.ground_truth_summary,
           seeds=list(s.input.seeds), output=s.output[0])
