rule train_study:
    """One instance of a study run (dense runs, group sharing, prefix sharing), dense-evaluated at its end."""
    input:
        data=DATA,
    output:
        "results/studies/{run}/{instance}/dense.csv",
    params:
        **training_params("studies/{run}/{instance}", study_job_config),
    log:
        "results/logs/train_study/{run}/{instance}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_study.py"


rule study_metrics:
    """Per instance: GT-Tau-Mean-k, GT-Tau-Std-k, accuracy mean/std over the last k mini-batches."""
    input:
        dense=lambda w: study_tables(w.run),
        ground_truth="results/ground_truth/summary.csv",
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


rule finetune:
    """Figure 4: every child fine-tuned alone from the supernet snapshot of one epoch."""
    input:
        data=DATA,
        manifest=FINETUNE_MANIFEST,
    output:
        "results/finetune/epoch{epoch}.csv",
    params:
        settings=finetune_settings(FINETUNE_CONFIG, STUDIES["finetune"]["steps"]),
        job=runtime(FINETUNE_CONFIG),
        steps=STUDIES["finetune"]["steps"],
        epoch=lambda w: int(w.epoch),
    log:
        "results/logs/finetune/epoch{epoch}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/finetune.py"
