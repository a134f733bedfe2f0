"""Table 5: every search run ranked against the same ground truth, in every BN mode (README "Comparing
methods"). One row per (run, BN mode): GT-Tau with its paired difference to the baseline run and that
difference's 95 % bootstrap interval, S-Tau, GT-Tau-Mean-k and GT-Tau-Std-k (dense-evaluation mode only),
P@Top5%, T1R, T3R, the picks, the measured training cost (the train job's Snakemake ``benchmark:`` seconds,
dense evaluation included)
and the number the method's own paper reports, which is never on this benchmark (``paper.METHOD_RESULTS``).
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


def table5_methods(config: dict, summaries, instances, benchmarks: dict) -> pd.DataFrame:
    """The table's long form: one row per run and BN mode, numbers only (``summaries``/``instances``: every
    run's metric files; ``benchmarks``: run -> its train jobs' benchmark files)."""
    summary = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode")) for p in summaries], ignore_index=True)
    per_instance = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode", "pick")) for p in instances],
                             ignore_index=True)
    c = config["comparison"]
    seconds = {run: train_seconds(paths) for run, paths in benchmarks.items()}
    baseline_seconds = seconds[c["baseline"]][0] if c["baseline"] in seconds else np.nan
    rows = []
    for _, s in summary.iterrows():
        run = config["searches"][s["run"]]
        mine = per_instance[(per_instance["run"] == s["run"]) & (per_instance["bn_mode"] == s["bn_mode"])]
        base = per_instance[(per_instance["run"] == c["baseline"]) & (per_instance["bn_mode"] == s["bn_mode"])]
        diff = paired_difference(mine.set_index("instance")["gt_tau"], base.set_index("instance")["gt_tau"],
                                 c["bootstrap"], c["bootstrap_seed"])
        train_s, train_s_std = seconds[s["run"]]
        picks = mine["pick"].value_counts()
        quoted = paper.METHOD_RESULTS.get(run["method"]["name"]) if set(run["method"]) == {"name"} else None
        rows.append({**s.to_dict(), "label": run["label"], "method": method_label(run["method"]),
                     **{f"gt_tau_{k}": v for k, v in diff.items()}, "pick_mode": picks.index[0],
                     "pick_mode_count": int(picks.iloc[0]), "train_s": train_s, "train_s_std": train_s_std,
                     "train_cost_ratio": train_s / baseline_seconds, "paper": quoted[0] if quoted else "",
                     "paper_source": quoted[1] if quoted else "",
                     "same_benchmark": ("yes" if quoted[2] else "no") if quoted else ""})
    return pd.DataFrame(rows)


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
            f"Train s: the train job's wall seconds (its Snakemake benchmark; the last attempt only when a job was "
            f"resubmitted), which include its dense evaluation of the last {window} mini-batches, the same for "
            f"every run; the evaluate_search jobs are not counted."
            + (f" Paper numbers: {sources}." if sources else ""))
    if provenance is not None:
        note += f"\n\nProduced by: {provenance}."
    paths[".md"].write_text(f"## {TITLE}\n\n{view.to_markdown(index=False)}\n\n{note}\n")
    paths[".tex"].write_text(view.to_latex(index=False, caption=TITLE, escape=True).replace("±", r"$\pm$"))
