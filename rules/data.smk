rule prepare_data:
    """The configured dataset as tensors, once per dataset (CIFAR-10: official files, md5-checked)."""
    output:
        "results/data/{dataset}.pt",
    params:
        settings=data_settings(config["data"]),
        job=runtime(config["data"]),
    log:
        "results/logs/prepare_data/{dataset}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/prepare_data.py"
