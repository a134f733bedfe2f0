"""Rule table5_methods: every search run against the ground truth (wsnas.jobs.reports.table5_methods)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common, reports  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, reports.table5_methods,
           config=s.params.config, summaries=list(s.input.summaries), instances=list(s.input.instances),
           benchmarks=list(s.input.benchmarks), retrain=s.input.retrain, outputs=list(s.output.table),
           comparisons=s.output.comparisons,
           provenance=s.params.provenance)
