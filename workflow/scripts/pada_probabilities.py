"""Rule pada_probabilities: PA&DA's sampling distributions per epoch (wsnas.reporting.pada_figures)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(snakemake.scriptdir).parents[1]))  # noqa: F821 - the repository root
from wsnas.jobs import common  # noqa: E402
from wsnas.reporting import pada_figures  # noqa: E402

s = snakemake  # noqa: F821
common.run(s.log, pada_figures.pada_probabilities, config=s.params.config, runs=list(s.params.runs),
           histories=list(s.input.histories), outputs=list(s.output))
