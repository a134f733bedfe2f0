# The reviewers' report: every number of Tables 1-4, paper vs ours, difference and verdict, and the remedies
# of Table 5 against the baseline (wsnas.jobs.reports).


rule paper_comparison:
    localrule: True
    input:
        tables=expand("reports/tables/{table}.csv", table=TABLES),
        **reference_inputs(),
        **TABLE5_FILES,
    output:
        reported(multiext("reports/paper_comparison", ".md", ".html"), "paper_comparison", "Report"),
    params:
        **report_params("experiments", "studies", "reference", "comparison", "searches"),
    log:
        "results/logs/paper_comparison.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/paper_comparison.py"
