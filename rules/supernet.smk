rule train_supernet:
    """One supernet instance. Per-epoch checkpoints go to a folder that is not a declared output (a failed
    or preempted job keeps them and its rerun resumes); the manifest is written last."""
    input:
        data=DATA,
    output:
        manifest="results/supernet/{experiment}/{instance}/manifest.json",
    params:
        **training_params("supernet/{experiment}/{instance}", supernet_config),
    log:
        "results/logs/train_supernet/{experiment}/{instance}.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_supernet.py"


rule evaluate_subnets:
    """Every child's score at each ranked epoch (analysis.rank_every, and the last analysis.last_epochs),
    ranked by the method that trained the supernet."""
    input:
        data=DATA,
        manifest="results/supernet/{experiment}/{instance}/manifest.json",
    output:
        "results/supernet/{experiment}/{instance}/accuracy.csv",
    params:
        **evaluation_params(supernet_config),
        every=config["analysis"]["rank_every"],
        last=config["analysis"]["last_epochs"],
    log:
        "results/logs/evaluate_subnets/{experiment}/{instance}.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/evaluate_subnets.py"
