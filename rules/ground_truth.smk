rule train_ground_truth:
    """Children trained alone from scratch (one seed, one chunk of ground_truth.chunks); resumable."""
    input:
        data=DATA,
    output:
        "results/ground_truth/seed{seed}/chunk{chunk}.csv",
    params:
        **training_params("ground_truth/seed{seed}", ground_truth_job_config, evaluates=True),
    log:
        "results/logs/train_ground_truth/seed{seed}/chunk{chunk}.log",
    priority: FIRST_TABLES_PRIORITY
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/train_ground_truth.py"
