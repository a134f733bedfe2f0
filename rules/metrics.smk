rule experiment_metrics:
    """S-Tau per epoch across instances, GT-Tau/T1R/T3R per instance and epoch, last-epochs S-Tau."""
    input:
        accuracy=lambda w: accuracy_tables(w.experiment),
        ground_truth="results/ground_truth/summary.csv",
    output:
        per_epoch="results/metrics/{experiment}/stability_per_epoch.csv",
        gt_metrics="results/metrics/{experiment}/gt_metrics.csv",
        last_epochs="results/metrics/{experiment}/last_epochs.csv",
    params:
        last_epochs=config["analysis"]["last_epochs"],
    log:
        "results/logs/experiment_metrics/{experiment}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/experiment_metrics.py"


rule ground_truth_metrics:
    """The paper's "ground truth" baseline: S-Tau of the seeds' standalone rankings, GT-Tau of each."""
    input:
        seeds=ground_truth_tables(),
        summary="results/ground_truth/summary.csv",
    output:
        per_epoch="results/metrics/ground_truth/stability_per_epoch.csv",
        gt_metrics="results/metrics/ground_truth/gt_metrics.csv",
    log:
        "results/logs/ground_truth_metrics.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/ground_truth_metrics.py"


rule random_rank:
    """The paper's "random rank" baseline."""
    output:
        "results/metrics/random_rank.csv",
    params:
        analysis={k: config["analysis"][k] for k in ("random_rankings", "random_seed")},
    log:
        "results/logs/random_rank.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/random_rank.py"
