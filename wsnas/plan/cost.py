"""The compute each target of the DAG asks for, and its projected hours from a benchmark's rates.

Every training or evaluation job of the pipeline is listed with the work it does, counted from the
configuration the same way the rules and ``wsnas.jobs.pipeline`` plan it:
- ``supernet``: images of one-child-per-step training of one network (supernets, dense, prefix runs);
- ``standalone``: images of training networks that each hold one child or one group (ground truth,
  group sharing with m >= 2, which the pipeline trains K at a time, stacked, where that is faster);
- ``finetune``: images of one child trained alone at a time (Figure 4);
- ``eval``: child-images evaluated, keyed by how many children share one evaluation pass (its cache
  computes the stem and the first cell's shared edges once per pass, ``wsnas.core.model``).

Hours come from the rates ``python -m bench`` measured on the machine in question (``rates`` in its
JSON). The evaluation time of a child-image when n children share a pass is modelled as
``a + b / n``, fitted to the two measured points n = 1 and n = 64 (the stem dominates the FLOPs and is
the part that is shared). Metrics, tables and figures cost seconds and are left out.
"""

from collections import Counter
from dataclasses import dataclass, field

from wsnas.data.datasets import split_sizes
from wsnas.plan.runs import epochs_instance, ground_truth_config, run_config
from wsnas.plan.studies import figure6_run_name, group_run_names, prefix_run_names, study_config, study_runs
from wsnas.core.sharing import group_members

@dataclass
class Work:
    """Images of each kind of work of one job (see the module docstring)."""

    supernet: float = 0.0
    standalone: float = 0.0
    finetune: float = 0.0
    eval: dict = field(default_factory=dict)  # children sharing a pass -> child-images

    def add_eval(self, sharing: int, child_images: float) -> None:
        self.eval[sharing] = self.eval.get(sharing, 0.0) + child_images

    def seconds(self, rates: dict) -> float:
        t1, t64 = 1 / rates["eval_single"], 1 / rates["eval_all64"]
        b = (t1 - t64) * 64 / 63
        a = t1 - b
        return (self.supernet / rates["supernet_train"] + self.standalone / rates["standalone_train"]
                + self.finetune / rates["standalone_train_one"]
                + sum(n_img * (a + b / n) for n, n_img in self.eval.items()))


def _train_images(cfg: dict) -> float:
    """Images of ``train.epochs`` epochs (an epoch is the whole training split, its last batch smaller)."""
    return cfg["train"]["epochs"] * split_sizes(cfg["data"])[0]


def jobs(config: dict) -> dict[tuple, Work]:
    """(rule, wildcards...) -> Work, for every training and evaluation job the configuration defines."""
    _, n_test = split_sizes(config["data"])
    out = {}
    for experiment, exp in config["experiments"].items():
        for i in range(exp["instances"]):
            cfg = run_config(config, experiment, i)
            out[("train_supernet", experiment, i)] = Work(supernet=_train_images(cfg))
            evaluate = Work()
            evaluate.add_eval(64, cfg["train"]["epochs"] * 64 * n_test)  # every checkpointed epoch
            out[("evaluate_subnets", experiment, i)] = evaluate
    gt = config["ground_truth"]
    for seed in range(gt["seeds"]):
        for chunk in range(gt["chunks"]):
            cfg = ground_truth_config(config, seed, chunk)
            n = len(cfg["train"]["children"])
            work = Work(standalone=n * _train_images(cfg))
            work.add_eval(1, n * cfg["train"]["epochs"] * n_test)  # each child after every epoch
            out[("train_ground_truth", seed, chunk)] = work
    for name, run in study_runs(config).items():
        for i in range(run["instances"]):
            cfg = study_config(config, name, i)
            dense = cfg["train"]["dense_eval_steps"]
            work = Work()
            if cfg["sharing"]["mode"] == "group":  # one network per group, as wsnas.training.study_training trains them
                networks = group_members(cfg["sharing"])
                if len(networks) > 1:
                    work.standalone = len(networks) * _train_images(cfg)
                else:
                    work.supernet = _train_images(cfg)
                for members in networks:  # each network evaluates its own children
                    work.add_eval(len(members), dense * len(members) * n_test)
            else:  # one network: the stem (and any shared cells) computed once per pass
                work.supernet = _train_images(cfg)
                work.add_eval(64, dense * 64 * n_test)
            out[("train_study", name, i)] = work
    f = config["studies"]["finetune"]
    cfg = run_config(config, f["experiment"], f["instance"])
    for epoch in f["snapshots"]:
        work = Work(finetune=64 * f["steps"] * cfg["train"]["batch_size"])
        work.add_eval(64, 64 * n_test)  # the snapshot itself
        work.add_eval(1, 64 * f["steps"] * n_test)  # each child after each of its steps
        out[("finetune", epoch)] = work
    return out


def targets(config: dict) -> dict[str, set]:
    """Target rule -> the job keys of ``jobs`` it needs (as the rules in ``rules/reports.smk`` declare)."""
    a, s = config["analysis"], config["studies"]
    supernets = lambda experiments, instances=None: {  # noqa: E731
        (rule, e, i) for e in experiments for i in (instances if instances is not None else range(config["experiments"][e]["instances"]))
        for rule in ("train_supernet", "evaluate_subnets")}
    gt = {("train_ground_truth", seed, c) for seed in range(config["ground_truth"]["seeds"])
          for c in range(config["ground_truth"]["chunks"])}
    runs = study_runs(config)
    study = lambda names, instances=None: {  # noqa: E731
        ("train_study", n, i) for n in names for i in (instances if instances is not None else range(runs[n]["instances"]))}
    first_epochs = s["prefix"]["epochs"][0]
    every = supernets(config["experiments"])
    t = {
        "ground_truth": gt,
        "table1_stability": every | gt,
        "table2_ground_truth": every | gt,
        "table3a_group_sharing": study(group_run_names(config)) | gt,
        "table3b_prefix_sharing": study(prefix_run_names(config, first_epochs)) | gt,
        "table4_prefix_details": study(prefix_run_names(config)) | gt,
        "fig2_stau_per_epoch": supernets(a["figure2_experiments"]) | gt,
        "fig3_rank_distribution": supernets([a["figure3_experiment"]])
        | supernets([a["epochs_experiment"]], [epochs_instance(config)]) | gt,
        "fig4_finetune": {("finetune", e) for e in s["finetune"]["snapshots"]}
        | {("train_supernet", s["finetune"]["experiment"], s["finetune"]["instance"])} | gt,
        "fig5_dense": study(["fig5a", "fig5b"], [0]) | gt,
        "fig6_group_curves": study([figure6_run_name(config), "group-m1"], [0]) | gt,
        "fig7_dense_long": study(["fig7"], [0]) | gt,
        "fig8_bn_momentum": study(["fig8_bn01", "fig8_bn09"]) | gt,
        "fig9_sgd_momentum": study(["fig9"], [0]) | gt,
    }
    t["all_tables"] = set().union(*(v for k, v in t.items() if k.startswith("table")))
    t["all_figures"] = set().union(*(v for k, v in t.items() if k.startswith("fig")))
    t["all"] = t["all_tables"] | t["all_figures"]
    return t


def projection(config: dict, rates: dict) -> list[dict]:
    """Per target: its jobs, the training and evaluation images, and the projected hours on one device
    of the benchmarked kind. Targets share jobs: each row counts all it needs (``hours``) and, apart,
    what it needs beyond the ground truth that every table and figure compares with (``hours_own``)."""
    work = jobs(config)
    planned = targets(config)
    hours = lambda keys: sum(work[k].seconds(rates) for k in keys) / 3600  # noqa: E731
    rows = []
    for target, keys in planned.items():
        rows.append({
            "target": target,
            "jobs": len(keys),
            "train_images": sum(work[k].supernet + work[k].standalone + work[k].finetune for k in keys),
            "eval_child_images": sum(sum(work[k].eval.values()) for k in keys),
            "hours": hours(keys),
            "hours_own": hours(keys - planned["ground_truth"]),
        })
    return rows


def rule_counts(keys) -> Counter:
    """Jobs per rule of a set of ``jobs`` keys."""
    return Counter(key[0] for key in keys)

