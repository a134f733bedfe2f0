# Tables 1-4 of Zhang et al. 2020, ours beside the paper's, as csv (long form), md and tex (wsnas.jobs.reports);
# each table's caption in the Snakemake report is workflow/report/<rule>.rst.


rule table1_stability:
    localrule: True
    input:
        **stability_inputs(random_rank=True),
        last_epochs=metric_files("last_epochs"),
    output:
        table_output("table1_stability", SEC3),
    params:
        **report_params("experiments", "analysis"),
    log:
        "results/logs/table1_stability.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table1_stability.py"


rule table2_ground_truth:
    localrule: True
    input:
        gt_metrics=metric_files("gt_metrics"),
        gt_seed_metrics="results/metrics/ground_truth/gt_metrics.csv",
    output:
        table_output("table2_ground_truth", SEC3),
    params:
        **report_params("experiments", "analysis"),
    log:
        "results/logs/table2_ground_truth.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table2_ground_truth.py"


rule table3a_group_sharing:
    localrule: True
    input:
        metrics=study_metric_files(group_run_names(config)),
    output:
        table_output("table3a_group_sharing", SEC4),
    params:
        **report_params("studies"),
    log:
        "results/logs/table3a_group_sharing.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table3a_group_sharing.py"


rule table3b_prefix_sharing:
    localrule: True
    input:
        metrics=study_metric_files(prefix_run_names(config, STUDIES["prefix"]["epochs"][0])),
    output:
        table_output("table3b_prefix_sharing", SEC4),
    params:
        **report_params("studies"),
    log:
        "results/logs/table3b_prefix_sharing.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table3b_prefix_sharing.py"


rule table4_prefix_details:
    localrule: True
    input:
        metrics=study_metric_files(prefix_run_names(config)),
    output:
        table_output("table4_prefix_details", SEC4),
    params:
        **report_params("studies"),
    log:
        "results/logs/table4_prefix_details.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table4_prefix_details.py"


rule table5_methods:
    localrule: True
    input:
        **table5_inputs(),
    output:
        table=table_output("table5_methods", SEC_METHODS),
        comparisons=reported("reports/tables/table5_comparisons.csv", "table5_comparisons", "Tables", SEC_METHODS),
    params:
        **report_params("searches", "comparison", "studies", "evaluate", "retrain", "model", "data"),
    log:
        "results/logs/table5_methods.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table5_methods.py"


rule all_tables:
    localrule: True
    input:
        rules.table1_stability.output,
        rules.table2_ground_truth.output,
        rules.table3a_group_sharing.output,
        rules.table3b_prefix_sharing.output,
        rules.table4_prefix_details.output,
        rules.table5_methods.output if SEARCHES else [],
