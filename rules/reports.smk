rule table1_stability:
    input:
        stability=metric_files("stability_per_epoch"),
        last_epochs=metric_files("last_epochs"),
        random_rank="results/metrics/random_rank.csv",
        gt_stability="results/metrics/ground_truth/stability_per_epoch.csv",
    output:
        report(multiext("reports/tables/table1_stability", ".csv", ".md", ".tex"), category="Tables"),
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
            e=config["analysis"]["epochs_experiment"], i=config["analysis"]["epochs_instance"]
        ),
        ground_truth="results/ground_truth/summary.csv",
    output:
        report(multiext("reports/figures/fig3_rank_distribution", ".pdf", ".png"), category="Figures"),
    log:
        "results/logs/fig3_rank_distribution.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/fig3_rank_distribution.py"


rule all_tables:
    input:
        rules.table1_stability.output,
        rules.table2_ground_truth.output,


rule all_figures:
    input:
        rules.fig2_stau_per_epoch.output,
        rules.fig3_rank_distribution.output,
