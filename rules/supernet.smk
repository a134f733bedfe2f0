if PACK == 1:

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

else:

    rule train_supernet_pack:
        """``train.streams`` supernet instances of one experiment trained by one process, their steps
        interleaved, each network on its own CUDA stream on a GPU, each with its own config and checkpoint
        folder (a killed job resumes every instance); the pack's folder holds each instance's manifest."""
        input:
            data=DATA,
        output:
            directory("results/supernet/{experiment}/packs/{pack}"),
        params:
            **SUPERNET_PACK_PARAMS,
        log:
            "results/logs/train_supernet_pack/{experiment}/{pack}.log",
        priority: FIRST_TABLES_PRIORITY
        conda:
            "../envs/train.yaml"
        script:
            "../workflow/scripts/train_supernet_pack.py"

    rule unpack_supernet_instance:
        """One supernet instance's manifest out of its pack's folder."""
        localrule: True
        input:
            supernet_pack_folder,
        output:
            manifest="results/supernet/{experiment}/{instance}/manifest.json",
        params:
            instance=lambda w: w.instance,
        log:
            "results/logs/unpack_supernet_instance/{experiment}/{instance}.log",
        priority: FIRST_TABLES_PRIORITY
        conda:
            "../envs/analysis.yaml"
        script:
            "../workflow/scripts/unpack_supernet_instance.py"


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
