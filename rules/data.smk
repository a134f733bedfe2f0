rule prepare_data:
    output:
        "results/data/{dataset}.pt",
    params:
        settings=data_settings(config["data"]),
    log:
        "results/logs/prepare_data/{dataset}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/prepare_data.py"
