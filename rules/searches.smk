# Search runs: each configured method trained as supernets, ranked in every BN mode, and measured against
# the ground truth (wsnas.plan.searches; Table 5 and the method figures read the metrics).


if PACK == 1:

    rule train_search:
        """One instance of a search run, dense-evaluated after its last ``studies.window`` mini-batches; per-epoch
        checkpoints in a folder that is not a declared output (a killed job resumes), its wall time measured."""
        input:
            data=DATA,
        output:
            **SEARCH_INSTANCE_FILES,
        params:
            **training_params("searches/{search}/{instance}", search_job_config),
            run=lambda w: w.search,
        log:
            "results/logs/train_search/{search}/{instance}.log",
        benchmark:
            "results/benchmarks/train_search/{search}/{instance}.tsv"
        conda:
            "../envs/train.yaml"
        script:
            "../workflow/scripts/train_search.py"

else:

    rule train_search_pack:
        """``train.streams`` instances of a search run trained by one process, their steps interleaved, each
        network on its own CUDA stream on a GPU, each with its own config and checkpoint folder (a killed job
        resumes every instance); the pack's folder holds each instance's files, its wall time measured."""
        input:
            data=DATA,
        output:
            directory("results/searches/{search}/packs/{pack}"),
        params:
            **SEARCH_PACK_PARAMS,
        log:
            "results/logs/train_search_pack/{search}/{pack}.log",
        benchmark:
            "results/benchmarks/train_search_pack/{search}/{pack}.tsv"
        conda:
            "../envs/train.yaml"
        script:
            "../workflow/scripts/train_search_pack.py"

    rule unpack_search_instance:
        """One instance's files out of its pack, and its share of the pack's training seconds (Table 5's cost)."""
        localrule: True
        input:
            search_pack_folder,
        output:
            **SEARCH_INSTANCE_FILES,
            benchmark="results/benchmarks/train_search/{search}/{instance}.tsv",
        params:
            instance=lambda w: w.instance,
        log:
            "results/logs/unpack_search_instance/{search}/{instance}.log",
        conda:
            "../envs/analysis.yaml"
        script:
            "../workflow/scripts/unpack_search_instance.py"


rule evaluate_search:
    """Every child of one instance in one BN mode: at every epoch in the first of ``comparison.bn_modes`` for
    runs that rank every epoch (``searches.<run>.every_epoch``), at the last epoch otherwise."""
    input:
        data=DATA,
        manifest="results/searches/{search}/{instance}/manifest.json",
    output:
        "results/searches/{search}/{instance}/accuracy_{bn}.csv",
    params:
        settings=lambda w: evaluate_job_settings(search_evaluation_config(w)),
        job=lambda w: runtime(search_evaluation_config(w)),
        last_only=lambda w: not every_epoch(config, w.bn, w.search),
    log:
        "results/logs/evaluate_search/{search}/{instance}_{bn}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/evaluate_search.py"


rule search_sharing:
    """The sharing state one instance of a method that learns one (``Declaration.sharing``) ends with: each
    child's copy per slot and operation."""
    input:
        data=DATA,
        manifest="results/searches/{search}/{instance}/manifest.json",
    output:
        "results/searches/{search}/{instance}/sharing.csv",
    params:
        job=lambda w: runtime(search_job_config(w)),
    log:
        "results/logs/search_sharing/{search}/{instance}.log",
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/search_sharing.py"


rule search_metrics:
    """GT-Tau, S-Tau, TnR, P@Top5%, picks, GT-Tau-Mean/Std-k per BN mode and own ranking; disturbance; the
    method's mechanism records."""
    localrule: True
    input:
        unpack(search_metric_inputs),
    output:
        **metric_outputs("searches/{search}", "instances", "summary", "disturbance", "picks", "mechanism"),
    params:
        **SEARCH_METRIC_PARAMS,
    log:
        "results/logs/search_metrics/{search}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/search_metrics.py"


rule remedy_metrics:
    """Seed 002's remedy ``run`` (comparison.studies) as a row of Table 5: metrics of its final dense rows, picks."""
    localrule: True
    input:
        dense=lambda w: study_tables(w.run),
        ground_truth=GT_SUMMARY,
    output:
        **metric_outputs("remedies/{run}", "instances", "summary", "picks"),
    params:
        **REMEDY_METRIC_PARAMS,
    log:
        "results/logs/remedy_metrics/{run}.log",
    conda:
        "../envs/analysis.yaml"
    script:
        "../workflow/scripts/remedy_metrics.py"
