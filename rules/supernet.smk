rule train_supernet:
    """One supernet instance. Per-epoch checkpoints go to a folder that is not a declared output (a failed
    or preempted job keeps them and its rerun resumes); the manifest is written last."""
    input:
        data=DATA,
    output:
        manifest="results/supernet/{experiment}/{instance}/manifest.json",
    params:
        checkpoints="results/checkpoints/supernet/{experiment}/{instance}",
        settings=lambda w: training_settings(run_config(config, w.experiment, int(w.instance))),
    log:
        "results/logs/train_supernet/{experiment}/{instance}.log",
    threads: 1
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_supernet.py"


rule evaluate_subnets:
    """Accuracy of all 64 children at every checkpointed epoch."""
    input:
        data=DATA,
        manifest="results/supernet/{experiment}/{instance}/manifest.json",
    output:
        "results/supernet/{experiment}/{instance}/accuracy.csv",
    params:
        settings=evaluate_job_settings(config),
    log:
        "results/logs/evaluate_subnets/{experiment}/{instance}.log",
    threads: 1
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/evaluate_subnets.py"
