# Metric rules: from accuracy tables to the numbers behind the tables and figures (wsnas.jobs.reports).


rule ground_truth_summary:
    """Mean, std and rank of each child's accuracy over the ground-truth seeds."""
    localrule: True
    input:
        seeds=ground_truth_tables(),
    output:
        "results/ground_truth/summary.csv",
    log:
        "results/logs/ground_truth_summary.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/ground_truth_summary.py"


# S-Tau per epoch across an experiment's instances, GT-Tau/T1R/T3R per instance and epoch, last-epochs S-Tau.
rule experiment_metrics:
    localrule: True
    input:
        accuracy=lambda w: accuracy_tables(w.experiment),
        ground_truth=GT_SUMMARY,
    output:
        **metric_outputs("{experiment}", "stability_per_epoch", "gt_metrics", "last_epochs"),
    params:
        last_epochs=config["analysis"]["last_epochs"],
    log:
        "results/logs/experiment_metrics/{experiment}.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/experiment_metrics.py"


rule ground_truth_metrics:
    """The paper's "ground truth" baseline: S-Tau of the seeds' standalone rankings, GT-Tau of each."""
    localrule: True
    input:
        seeds=ground_truth_tables(),
        ground_truth=GT_SUMMARY,
    output:
        **metric_outputs("ground_truth", "stability_per_epoch", "gt_metrics"),
    log:
        "results/logs/ground_truth_metrics.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/ground_truth_metrics.py"


rule random_rank:
    """The paper's "random rank" baseline."""
    localrule: True
    output:
        "results/metrics/random_rank.csv",
    params:
        rankings=config["analysis"]["random_rankings"],
        seed=config["analysis"]["random_seed"],
    log:
        "results/logs/random_rank.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/random_rank.py"


# Per instance of a study run: GT-Tau-Mean-k, GT-Tau-Std-k, accuracy mean/std over the last k mini-batches.
rule study_metrics:
    localrule: True
    input:
        dense=lambda w: study_tables(w.run),
        ground_truth=GT_SUMMARY,
    output:
        "results/metrics/studies/{run}.csv",
    params:
        window=STUDIES["window"],
    log:
        "results/logs/study_metrics/{run}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/study_metrics.py"
