rule table1_stability:
    input:
        stability=metric_files("stability_per_epoch"),
        last_epochs=metric_files("last_epochs"),
        random_rank="results/metrics/random_rank.csv",
        gt_stability="results/metrics/ground_truth/stability_per_epoch.csv",
    output:
        report(multiext("reports/tables/table1_stability", ".csv", ".md", ".tex"), category="Tables"),
    params:
        config=config_sections("experiments", "analysis"),
        provenance=PROVENANCE,
    log:
        "results/logs/table1_stability.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table1_stability.py"


rule table2_ground_truth:
    input:
        gt_metrics=metric_files("gt_metrics"),
        gt_seed_metrics="results/metrics/ground_truth/gt_metrics.csv",
    output:
        report(multiext("reports/tables/table2_ground_truth", ".csv", ".md", ".tex"), category="Tables"),
    params:
        config=config_sections("experiments", "analysis"),
        provenance=PROVENANCE,
    log:
        "results/logs/table2_ground_truth.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table2_ground_truth.py"


rule fig2_stau_per_epoch:
    input:
        stability=metric_files("stability_per_epoch", config["analysis"]["figure2_experiments"]),
        gt_stability="results/metrics/ground_truth/stability_per_epoch.csv",
    output:
        report(multiext("reports/figures/fig2_stau_per_epoch", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("experiments", "analysis"),
    log:
        "results/logs/fig2_stau_per_epoch.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig2_stau_per_epoch.py"


rule fig3_rank_distribution:
    input:
        instances=accuracy_tables(config["analysis"]["figure3_experiment"]),
        epochs_instance="results/supernet/{e}/{i}/accuracy.csv".format(
            e=config["analysis"]["epochs_experiment"], i=epochs_instance(config)
        ),
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig3_rank_distribution", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("experiments", "analysis"),
    log:
        "results/logs/fig3_rank_distribution.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig3_rank_distribution.py"


rule table3a_group_sharing:
    input:
        metrics=study_metric_files(group_run_names(config)),
    output:
        report(multiext("reports/tables/table3a_group_sharing", ".csv", ".md", ".tex"), category="Tables"),
    params:
        config=config_sections("studies"),
        provenance=PROVENANCE,
    log:
        "results/logs/table3a_group_sharing.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table3a.py"


rule table3b_prefix_sharing:
    input:
        metrics=study_metric_files(prefix_run_names(config, STUDIES["prefix"]["epochs"][0])),
    output:
        report(multiext("reports/tables/table3b_prefix_sharing", ".csv", ".md", ".tex"), category="Tables"),
    params:
        config=config_sections("studies"),
        provenance=PROVENANCE,
    log:
        "results/logs/table3b_prefix_sharing.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table3b.py"


rule table4_prefix_details:
    input:
        metrics=study_metric_files(prefix_run_names(config)),
    output:
        report(multiext("reports/tables/table4_prefix_details", ".csv", ".md", ".tex"), category="Tables"),
    params:
        config=config_sections("studies"),
        provenance=PROVENANCE,
    log:
        "results/logs/table4_prefix_details.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/table4.py"


rule fig4_finetune:
    input:
        finetune=expand("results/finetune/epoch{epoch}.csv", epoch=STUDIES["finetune"]["snapshots"]),
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig4_finetune", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig4_finetune",
    log:
        "results/logs/fig4_finetune.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule fig5_dense:
    input:
        fixed="results/studies/fig5a/0/dense.csv",
        shuffled="results/studies/fig5b/0/dense.csv",
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig5_dense", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig5_dense",
    log:
        "results/logs/fig5_dense.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule fig6_group_curves:
    input:
        group=f"results/studies/{figure6_run_name(config)}/0/dense.csv",
        shared="results/studies/group-m1/0/dense.csv",
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig6_group_curves", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig6_group_curves",
    log:
        "results/logs/fig6_group_curves.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule fig7_dense_long:
    input:
        dense="results/studies/fig7/0/dense.csv",
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig7_dense_long", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig7_dense_long",
    log:
        "results/logs/fig7_dense_long.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule fig8_bn_momentum:
    input:
        low=study_tables("fig8_bn01"),
        high=study_tables("fig8_bn09"),
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig8_bn_momentum", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig8_bn_momentum",
    log:
        "results/logs/fig8_bn_momentum.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule fig9_sgd_momentum:
    input:
        dense="results/studies/fig9/0/dense.csv",
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig9_sgd_momentum", ".pdf", ".png"), category="Figures"),
    params:
        config=config_sections("studies"),
        figure="fig9_sgd_momentum",
    log:
        "results/logs/fig9_sgd_momentum.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/figure.py"


rule all_tables:
    input:
        rules.table1_stability.output,
        rules.table2_ground_truth.output,
        rules.table3a_group_sharing.output,
        rules.table3b_prefix_sharing.output,
        rules.table4_prefix_details.output,


rule all_figures:
    input:
        rules.fig2_stau_per_epoch.output,
        rules.fig3_rank_distribution.output,
        rules.fig4_finetune.output,
        rules.fig5_dense.output,
        rules.fig6_group_curves.output,
        rules.fig7_dense_long.output,
        rules.fig8_bn_momentum.output,
        rules.fig9_sgd_momentum.output,


rule paper_comparison:
    """The reviewers' report: every number of Tables 1-4, paper vs ours, difference and verdict."""
    input:
        table1="reports/tables/table1_stability.csv",
        table2="reports/tables/table2_ground_truth.csv",
        table3a="reports/tables/table3a_group_sharing.csv",
        table3b="reports/tables/table3b_prefix_sharing.csv",
        table4="reports/tables/table4_prefix_details.csv",
        ground_truth="results/ground_truth/summary.csv",
        accuracy=[f for e in EXPERIMENTS for f in accuracy_tables(e)],
    output:
        report(multiext("reports/paper_comparison", ".md", ".html"), category="Report"),
    params:
        config=config_sections("experiments", "studies", "reference"),
        provenance=PROVENANCE,
    log:
        "results/logs/paper_comparison.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/paper_comparison.py"
