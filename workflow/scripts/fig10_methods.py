"""Rule fig10_methods: ranking quality against measured cost per search run (wsnas.reporting.method_figures)."""
from wsnas.jobs import common
from wsnas.reporting import method_figures

s = snakemake  # noqa: F821
common.run(s.log, method_figures.fig10_methods, config=s.params.config, table=s.input.table, outputs=list(s.output))
