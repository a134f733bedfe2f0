"""Rule paper_comparison: the reviewers' report, paper vs ours (wsnas.jobs.reports.paper_comparison)."""
from wsnas.jobs import common, reports

s = snakemake  # noqa: F821
common.run(s.log, reports.paper_comparison,
           config=s.params.config, table_files=list(s.input.tables), ground_truth=s.input.ground_truth,
           accuracy=list(s.input.accuracy), outputs=list(s.output), provenance=s.params.provenance,
           methods=s.input.get("methods"), comparisons=s.input.get("comparisons"))
