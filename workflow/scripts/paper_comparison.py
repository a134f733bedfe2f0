"""Rule paper_comparison: the reviewers' report, paper vs ours (wsnas.jobs.reports.paper_comparison)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.paper_comparison,
           config=s.params.config, table_files=list(s.input.tables), ground_truth=s.input.ground_truth,
           accuracy=list(s.input.accuracy), outputs=list(s.output), provenance=s.params.provenance,
           methods=s.input.get("methods"), comparisons=s.input.get("comparisons"))
