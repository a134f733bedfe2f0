# Final retraining: every search run's picks retrained from scratch, standalone (wsnas.plan.retrain). The
# picks are known only after the searches: a Snakemake checkpoint gathers them, and each distinct child is
# retrained once per seed, or read from the ground truth when that is the same network.


checkpoint retrain_picks:
    """Every search run's top ``retrain.top_k`` children per instance and BN mode, in one table."""
    localrule: True
    input:
        comparison_metric_files("picks"),
    output:
        RETRAIN_PICKS,
    log:
        "results/logs/retrain_picks.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/retrain_picks.py"


rule retrain_child:
    """One picked child trained alone from scratch with one seed, evaluated after every epoch; resumable."""
    input:
        data=DATA,
    output:
        "results/retrain/{child}/seed{seed}.csv",
    params:
        **training_params("retrain/{child}/seed{seed}", retrain_job_config, evaluates=True),
    log:
        "results/logs/retrain_child/{child}/seed{seed}.log",
    benchmark:
        "results/benchmarks/retrain_child/{child}/seed{seed}.tsv"
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/retrain_child.py"


rule retrain_results:
    """The retrained accuracy of every pick and seed, each marked as retrained or read from the ground truth."""
    localrule: True
    input:
        unpack(retrain_inputs),
    output:
        "results/metrics/retrain.csv",
    params:
        seeds=retrain_seeds(config),
    log:
        "results/logs/retrain_results.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/retrain_results.py"
