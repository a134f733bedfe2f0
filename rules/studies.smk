rule train_study:
    """One instance of a study run (dense runs, group sharing, prefix sharing), dense-evaluated at its end;
    networks that a supernet or the ground truth already trains start from their checkpoints."""
    input:
        data=DATA,
        trained=reused_outputs,
    output:
        "results/studies/{run}/{instance}/dense.csv",
    params:
        **training_params("studies/{run}/{instance}", study_job_config),
        reuse=reuse_params,
    log:
        "results/logs/train_study/{run}/{instance}.log",
    benchmark:
        "results/benchmarks/train_study/{run}/{instance}.tsv"
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_study.py"


rule finetune:
    """Figure 4: every child fine-tuned alone from the supernet snapshot of one epoch."""
    input:
        data=DATA,
        manifest=FINETUNE_MANIFEST,
    output:
        "results/finetune/epoch{epoch}.csv",
    params:
        **FINETUNE_PARAMS,
    log:
        "results/logs/finetune/epoch{epoch}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/finetune.py"
