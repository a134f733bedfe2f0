"""Table 5: every search run ranked against the same ground truth, in every BN mode (README "Comparing
methods"). One row per (run, BN mode): GT-Tau with its paired difference to the baseline run and that
difference's 95 % bootstrap interval, S-Tau, GT-Tau-Mean-k and GT-Tau-Std-k (dense-evaluation mode only),
P@Top5%, T1R, T3R, the picks, the measured training cost (the train job's Snakemake ``benchmark:`` seconds,
dense evaluation included)
and the number the method's own paper reports, which is never on this benchmark (``paper.QUOTES``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.reporting import paper
from wsnas.reporting.analysis import mean_std
from wsnas.reporting.results import read_table, write_csv
from wsnas.reporting.searches import paired_difference
from wsnas.reporting.tables import format_mean_std

TITLE = "Table 5: supernet-training methods against the same ground truth"


def method_label(method: dict) -> str:
    """``name`` and its options, e.g. ``di_nas (control=isotropic)``."""
    options = ", ".join(f"{k}={v}" for k, v in method.items() if k != "name")
    return f"{method['name']} ({options})" if options else method["name"]


def train_seconds(paths) -> tuple[float, float]:
    """Mean and std over instances of the train jobs' wall seconds (Snakemake benchmark files)."""
    return mean_std([float(read_table(p, ["s"], sep="\t")["s"].iloc[-1]) for p in paths])


def retrained(retrain) -> pd.DataFrame:
    """Per run and BN mode: the retrained accuracy of the pick (rank 0), mean and std over instances and
    retraining seeds, and where the numbers come from (retrained, or the ground truth's same runs)."""
    table = read_table(retrain, ["instance", "rank", "seed", "accuracy"], text=("run", "bn_mode", "child", "source"))
    rows = []
    for (run, bn_mode), group in table[table["rank"] == 0].groupby(["run", "bn_mode"]):
        mean, std = mean_std(group["accuracy"])
        rows.append({"run": run, "bn_mode": bn_mode, "retrained_acc": mean, "retrained_acc_std": std,
                     "retrained_n": len(group), "retrained_source": " + ".join(sorted(group["source"].unique()))})
    return pd.DataFrame(rows, columns=["run", "bn_mode", "retrained_acc", "retrained_acc_std", "retrained_n",
                                       "retrained_source"])


def remedy_quote(config: dict, run: str):
    """What Zhang et al. 2020 report for study run ``run`` (Table 3a for group sharing, Table 4 for prefix
    sharing; GT-Tau-Mean-64), as ``paper.QUOTES`` quote; on this benchmark when the data are CIFAR-10."""
    from wsnas.plan.studies import study_runs

    study = study_runs(config)[run]
    settings, same = study["settings"], config["data"]["name"] == "cifar10"
    if study["kind"] == "group" and settings["groups"] in paper.TABLE3A:
        mean, pm = paper.TABLE3A[settings["groups"]][settings["grouping"]][0]
        return (f"GT-Tau-Mean-64 {mean:.4f} ± {pm:.4f}", f"Zhang et al. 2020, Table 3a ({settings['grouping']}, "
                f"m = {settings['groups']})", same)
    if study["kind"] == "prefix" and (settings["epochs"], settings["prefix_cells"]) in paper.TABLE4:
        mean, pm = paper.TABLE4[settings["epochs"], settings["prefix_cells"]]["GT-Tau-Mean-64"]
        return (f"GT-Tau-Mean-64 {mean:.4f} ± {pm:.4f}", f"Zhang et al. 2020, Table 4 ({settings['epochs']} epochs, "
                f"k = {settings['prefix_cells']})", same)
    return None


def table5_methods(config: dict, summaries, instances, benchmarks: dict, retrain=None) -> pd.DataFrame:
    """The table's long form: one row per run and BN mode, numbers only (``summaries``/``instances``: every
    run's metric files, search runs' and seed 002's remedies'; ``benchmarks``: run -> its train jobs'
    benchmark files; ``retrain``: the final retraining's results, ``wsnas.plan.retrain``)."""
    summary = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode")) for p in summaries], ignore_index=True)
    per_instance = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode", "pick")) for p in instances],
                             ignore_index=True)
    c = config["comparison"]
    seconds = {run: train_seconds(paths) for run, paths in benchmarks.items()}
    baseline_seconds = seconds[c["baseline"]][0] if c["baseline"] in seconds else np.nan
    rows = []
    for _, s in summary.iterrows():
        mine = per_instance[(per_instance["run"] == s["run"]) & (per_instance["bn_mode"] == s["bn_mode"])]
        if s["run"] in config["searches"]:
            run = config["searches"][s["run"]]
            label, method = run["label"], method_label(run["method"])
            # a ranking mode the baseline lacks (DARTS's alpha) is paired with the baseline's first BN mode
            base_mode = s["bn_mode"] if s["bn_mode"] in c["bn_modes"] else c["bn_modes"][0]
            base = per_instance[(per_instance["run"] == c["baseline"]) & (per_instance["bn_mode"] == base_mode)]
            diff = paired_difference(mine.set_index("instance")["gt_tau"], base.set_index("instance")["gt_tau"],
                                     c["bootstrap"], c["bootstrap_seed"])
            quoted = paper.method_result(run["method"])
        else:  # seed 002's remedy (a study run): not paired with the baseline
            label, method = c["studies"][s["run"]], f"seed 002 study {s['run']}"
            diff = {"diff": np.nan, "diff_low": np.nan, "diff_high": np.nan, "pairs": 0}
            quoted = remedy_quote(config, s["run"])
        train_s, train_s_std = seconds[s["run"]]
        picks = mine["pick"].value_counts()
        rows.append({**s.to_dict(), "label": label, "method": method,
                     **{f"gt_tau_{k}": v for k, v in diff.items()}, "pick_mode": picks.index[0],
                     "pick_mode_count": int(picks.iloc[0]), "train_s": train_s, "train_s_std": train_s_std,
                     "train_cost_ratio": train_s / baseline_seconds, "paper": quoted[0] if quoted else "",
                     "paper_source": quoted[1] if quoted else "",
                     "same_benchmark": ("yes" if quoted[2] else "no") if quoted else ""})
    frame = pd.DataFrame(rows)
    if retrain is not None:
        frame = frame.merge(retrained(retrain), on=["run", "bn_mode"], how="left")
    return frame


def _view(frame: pd.DataFrame, baseline: str) -> pd.DataFrame:
    f, ms = frame, format_mean_std
    diff = [("–" if run == baseline or pd.isna(d) else f"{d:+.4f} [{lo:+.4f}, {hi:+.4f}]")
            for run, d, lo, hi in zip(f["run"], f["gt_tau_diff"], f["gt_tau_diff_low"], f["gt_tau_diff_high"])]
    return pd.DataFrame({
        "Run": f["label"], "Method": f["method"], "BN": f["bn_mode"], "n": f["instances"].astype(int),
        "GT-Tau": [ms(m, s) for m, s in zip(f["gt_tau"], f["gt_tau_std"])],
        "ΔGT-Tau vs baseline [95 % CI]": diff,
        "S-Tau": [ms(m, np.nan) for m in f["s_tau"]],
        "GT-Tau-Mean-k": [ms(m, s) for m, s in zip(f["gt_tau_mean_k"], f["gt_tau_mean_k_std"])],
        "GT-Tau-Std-k": [ms(m, s) for m, s in zip(f["gt_tau_std_k"], f["gt_tau_std_k_std"])],
        "P@Top5%": [ms(m, s, 2) for m, s in zip(f["p_top5"], f["p_top5_std"])],
        "T1R": [ms(m, s, 1) for m, s in zip(f["t1r"], f["t1r_std"])],
        "T3R": [ms(m, s, 1) for m, s in zip(f["t3r"], f["t3r_std"])],
        "Picks (distinct; most common ×times)": [f"{int(d)}; {p} ×{int(c)}" for d, p, c in
                                                 zip(f["distinct_picks"], f["pick_mode"], f["pick_mode_count"])],
        "Pick GT acc.": [ms(m, s) for m, s in zip(f["pick_gt_acc"], f["pick_gt_acc_std"])],
        "Regret": [ms(m, s) for m, s in zip(f["regret"], f["regret_std"])],
        **({"Retrained acc. of the pick": [ms(m, s) for m, s in zip(f["retrained_acc"], f["retrained_acc_std"])],
            "Retrained from": f["retrained_source"].fillna("")} if "retrained_acc" in f else {}),
        "Train s/instance (× baseline)": [f"{s:.1f} ({r:.2f}×)" for s, r in zip(f["train_s"], f["train_cost_ratio"])],
        "Paper reports": f["paper"], "Same benchmark": f["same_benchmark"],
    })


def write_table5(frame: pd.DataFrame, config: dict, outputs, provenance: str | None = None) -> None:
    """The long form to the .csv output, the view to .md and .tex, with what the columns mean as a note."""
    paths = {Path(p).suffix: Path(p) for p in outputs}
    write_csv(frame, paths[".csv"])
    c, window = config["comparison"], int(frame["window"].iloc[0]) if len(frame) else config["studies"]["window"]
    view = _view(frame, c["baseline"]).rename(columns=lambda h: h.replace("-k", f"-{window}"))
    sources = "; ".join(dict.fromkeys(f"{m}: {s}" for m, s in zip(frame["method"], frame["paper_source"]) if s))
    note = (f"Mean ± std over instances at the last epoch. ΔGT-Tau: the mean of the run's GT-Tau minus the baseline "
            f"run's ({c['baseline']}), instance by instance (same seeds), with a 95 % paired-bootstrap interval "
            f"({c['bootstrap']} resamples); an interval that contains 0 is no evidence of a difference. "
            f"GT-Tau-Mean/Std-{window}: over the last {window} mini-batches, in the dense-evaluation BN mode "
            f"({config['evaluate']['bn_mode']}) only. P@Top5%: the top 4 of 64 children. T1R is the ground-truth rank of the pick (the top-1 child); its ground-truth accuracy and regret (the best child's minus the pick's) are the ground truth's mean over seeds, not a retraining. "
            f"Retrained acc.: the pick's accuracy trained alone from scratch (config section retrain: "
            f"{config['retrain']['epochs'] or 'the ground truth’s'} epochs), mean ± std over instances and retraining "
            f"seeds; 'ground truth' where the retraining is the same network as the ground truth's run of that child "
            f"and seed, which is read instead of trained again. Seed 002's remedies (study runs, "
            f"comparison.studies) rank by their final dense-evaluation row and are not paired with the baseline. "
            f"BN 'alpha': DARTS's ranking by its architecture parameters (each child's summed alpha; the pick is "
            f"the argmax per edge), paired with the baseline's first BN mode ({c['bn_modes'][0]}). "
            f"Train s: the train job's wall seconds (its Snakemake benchmark; the last attempt only when a job was "
            f"resubmitted), which include its dense evaluation of the last {window} mini-batches, the same for "
            f"every run; the evaluate_search jobs are not counted."
            + (f" Paper numbers: {sources}." if sources else ""))
    if provenance is not None:
        note += f"\n\nProduced by: {provenance}."
    paths[".md"].write_text(f"## {TITLE}\n\n{view.to_markdown(index=False)}\n\n{note}\n")
    paths[".tex"].write_text(view.to_latex(index=False, caption=TITLE, escape=True).replace("±", r"$\pm$"))
