from wsnas.studies import group_run_name, prefix_run_name, study_config, study_runs

STUDY_RUNS = study_runs(config)
STUDIES = config["studies"]


def study_tables(run):
    return expand("results/studies/{run}/{instance}/dense.csv", run=run, instance=range(STUDY_RUNS[run]["instances"]))


def study_metric_files(names):
    return expand("results/metrics/studies/{run}.csv", run=names)


def group_runs():
    return list(dict.fromkeys(group_run_name(g, m) for g in STUDIES["group"]["groupings"] for m in STUDIES["group"]["groups"]))


def prefix_runs(epochs=None):
    p = STUDIES["prefix"]
    return [prefix_run_name(e, k) for e in ([epochs] if epochs else p["epochs"]) for k in p["cells"]]


rule train_study:
    """One instance of a study run (dense runs, group sharing, prefix sharing), dense-evaluated at its end."""
    input:
        data=DATA,
    output:
        "results/studies/{run}/{instance}/dense.csv",
    params:
        checkpoints="results/checkpoints/studies/{run}/{instance}",
        run=lambda w: {k: study_config(config, w.run, int(w.instance))[k] for k in ("data", "model", "sharing", "train")},
    log:
        "results/logs/train_study/{run}/{instance}.log",
    threads: 1
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
        manifest="results/supernet/{e}/{i}/manifest.json".format(e=STUDIES["finetune"]["experiment"], i=STUDIES["finetune"]["instance"]),
    output:
        "results/finetune/epoch{epoch}.csv",
    params:
        finetune=STUDIES["finetune"],
    log:
        "results/logs/finetune/epoch{epoch}.log",
    threads: 1
    conda:
        "../envs/train.yaml"
    script:
        "../workflow/scripts/finetune.py"
