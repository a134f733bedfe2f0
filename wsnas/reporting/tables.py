"""Tables 1 and 2 of Zhang et al. 2020, ours beside the paper's, as CSV (numbers), Markdown and LaTeX."""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.reporting import paper
from wsnas.reporting.analysis import mean_std
from wsnas.plan.runs import epochs_instance
from wsnas.reporting.results import read_table, write_csv

GT_LABEL, RANDOM_LABEL, EPOCHS_LABEL = "Ground truth", "Random rank", "Different epochs"
EPOCHS_RANGE_LABEL = "Different epochs (range over instances)"


def provenance(config: dict) -> str:
    """One line saying what produced the numbers, so a demo run is never mistaken for the paper's scale."""
    d, t = config["data"], config["train"]
    size = f"{d['resolution']}x{d['resolution']}" if d["name"] == "digits" else "32x32"
    exps = ", ".join(f"{e['label']}: {e['instances']}" for e in config["experiments"].values())
    gt = config["ground_truth"]
    precision = f"precision: training {t['precision']}, evaluation {config['evaluate']['precision']}"
    if "auto" in (t["precision"], config["evaluate"]["precision"]):
        precision += " (auto: bf16 autocast on CUDA, fp32 on CPU)"
    return (f"dataset {d['name']} ({size}), {t['epochs']} supernet epochs, batch {t['batch_size']}, instances ({exps}), "
            f"{gt['seeds']} ground-truth seeds x {gt['epochs'] or t['epochs']} epochs, {precision}; "
            "paper: CIFAR-10, 200 epochs, 10 instances, 10 seeds, fp32")


def format_mean_std(mean, std, digits: int = 4) -> str:
    """'mean ± std', 'mean' without a std, '–' without a mean."""
    if pd.isna(mean):
        return "–"
    return f"{mean:.{digits}f}" if pd.isna(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def _final_epoch(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[frame["epoch"].idxmax()]


def _stability_row(label, s_tau, std, smax, smin, n, statistic):
    ref = paper.TABLE1.get(label, (np.nan,) * 3)
    return {"experiment": label, "s_tau": s_tau, "s_tau_std": std, "max_tau": smax, "min_tau": smin,
            "paper_s_tau": ref[0], "paper_max_tau": ref[1], "paper_min_tau": ref[2], "n": n, "statistic": statistic}


def table1_stability(config: dict, inputs) -> pd.DataFrame:
    """Rows of Table 1: each experiment's S-Tau (mean, max, min of pairwise taus at the last epoch), random
    rank, ground truth, and different epochs: one instance's mean, max and min of the pairwise taus among
    its last N epochs' rankings (the authors' ``typesetting-win.bat``, "In table, different epochs": instance
    9 of shuffle), plus the range of that S-Tau over the instances of ``analysis.epochs_range_experiments``
    (Sec. 3.2: "between 0.39 to 0.63")."""
    rows = []
    for exp, path in zip(config["experiments"].values(), inputs.stability):
        r = _final_epoch(read_table(path, ["epoch", "s_tau", "s_tau_std", "s_tau_max", "s_tau_min", "rankings"]))
        rows.append(_stability_row(exp["label"], r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings), "mean ± std of pairwise taus, last epoch"))
    r = read_table(inputs.random_rank, ["s_tau", "s_tau_std", "s_tau_max", "s_tau_min", "rankings"]).iloc[0]
    rows.append(_stability_row(RANDOM_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings), "mean ± std of pairwise taus"))
    r = _final_epoch(read_table(inputs.gt_stability, ["epoch", "s_tau", "s_tau_std", "s_tau_max", "s_tau_min", "rankings"]))
    rows.append(_stability_row(GT_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings), "mean ± std of pairwise taus, last epoch"))
    a, names = config["analysis"], list(config["experiments"])
    columns = ["instance", "s_tau", "s_tau_std", "s_tau_max", "s_tau_min"]
    last = {name: read_table(path, columns) for name, path in zip(names, inputs.last_epochs)}
    instance, label = epochs_instance(config), config["experiments"][a["epochs_experiment"]]["label"]
    r = last[a["epochs_experiment"]].set_index("instance").loc[instance]
    rows.append(_stability_row(EPOCHS_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, a["last_epochs"],
                               f"mean ± std, max and min of the pairwise taus among the last {a['last_epochs']} epochs' "
                               f"rankings of instance {instance} of {label}"))
    every = pd.concat([last[e] for e in a["epochs_range_experiments"]])
    rows.append(_stability_row(EPOCHS_RANGE_LABEL, every.s_tau.median(), every.s_tau.std(ddof=0), every.s_tau.max(),
                               every.s_tau.min(), len(every), "median ± std, max and min over the instances of "
                               f"{', '.join(config['experiments'][e]['label'] for e in a['epochs_range_experiments'])} "
                               f"of each one's S-Tau among its last {a['last_epochs']} epochs"))
    return pd.DataFrame(rows)


def _gt_row(label, frame, statistic):
    row = {"experiment": label}
    for metric, column in (("GT-Tau", "gt_tau"), ("T1R", "t1r"), ("T3R", "t3r")):
        row[column], row[f"{column}_std"] = mean_std(frame[column])
    ref = paper.TABLE2.get(label, {})
    for metric, column in (("GT-Tau", "gt_tau"), ("T1R", "t1r"), ("T3R", "t3r")):
        row[f"paper_{column}"], row[f"paper_{column}_std"] = ref.get(metric, (np.nan, np.nan))
    row["n"], row["statistic"] = len(frame), statistic
    return row


def table2_ground_truth(config: dict, inputs) -> pd.DataFrame:
    """Rows of Table 2: GT-Tau, T1R, T3R as mean ± population std over instances (last epoch), over
    ground-truth seeds, and over the last N epochs of one instance ("Different epochs")."""
    columns = ["epoch", "gt_tau", "t1r", "t3r"]
    rows = []
    names = list(config["experiments"])
    for name, path in zip(names, inputs.gt_metrics):
        frame = read_table(path, ["instance", *columns])
        final = frame[frame["epoch"] == frame["epoch"].max()]
        rows.append(_gt_row(config["experiments"][name]["label"], final, "over instances, last epoch"))
    rows.append(_gt_row(GT_LABEL, read_table(inputs.gt_seed_metrics, ["seed", *columns]), "each seed's ranking vs the seed mean"))
    a, instance = config["analysis"], epochs_instance(config)
    frame = read_table(inputs.gt_metrics[names.index(a["epochs_experiment"])], ["instance", *columns])
    one = frame[frame["instance"] == instance].sort_values("epoch").iloc[-a["last_epochs"]:]
    label = config["experiments"][a["epochs_experiment"]]["label"]
    rows.append(_gt_row(EPOCHS_LABEL, one, f"last {len(one)} epochs of instance {instance} of {label}"))
    return pd.DataFrame(rows)


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    """Human view: 'mean ± std' for ours and for the paper, side by side."""
    out = pd.DataFrame({"Experiment": frame["experiment"]})
    fmt = lambda v, d: "–" if pd.isna(v) else f"{v:.{d}f}"  # noqa: E731
    pairs = [c for c in frame.columns if f"{c}_std" in frame.columns and not c.startswith("paper_")]
    singles = [c for c in ("max_tau", "min_tau") if c in frame.columns]
    names = {"s_tau": "S-Tau", "gt_tau": "GT-Tau", "t1r": "T1R", "t3r": "T3R", "max_tau": "Max Tau", "min_tau": "Min Tau"}
    for c in pairs:
        digits = 1 if c in ("t1r", "t3r") else 4
        out[f"{names[c]} (ours)"] = [f"{fmt(m, digits)} ± {fmt(s, digits)}" for m, s in zip(frame[c], frame[f"{c}_std"])]
        paper_std = frame.get(f"paper_{c}_std")
        out[f"{names[c]} (paper)"] = [fmt(p, digits) if paper_std is None else f"{fmt(p, digits)} ± {fmt(s, digits)}"
                                      for p, s in zip(frame[f"paper_{c}"], paper_std if paper_std is not None else frame[f"paper_{c}"])]
    for c in singles:
        out[f"{names[c]} (ours)"] = [fmt(v, 4) for v in frame[c]]
        out[f"{names[c]} (paper)"] = [fmt(v, 4) for v in frame[f"paper_{c}"]]
    out["n"] = frame["n"]
    return out


def write_table(frame: pd.DataFrame, outputs, title: str, provenance: str | None = None) -> None:
    """Write ``frame`` to the .csv output and its display form to the .md and .tex outputs."""
    paths = {Path(p).suffix: Path(p) for p in outputs}
    write_csv(frame, paths[".csv"])
    view = _display(frame)
    note = f"\n\nRows: {'; '.join(f'{e}: {s}' for e, s in zip(frame['experiment'], frame['statistic']))}."
    if provenance is not None:
        note += f"\n\nProduced by: {provenance}."
    paths[".md"].write_text(f"## {title}\n\n{view.to_markdown(index=False)}{note}\n")
    latex = view.to_latex(index=False, caption=title, escape=True).replace("±", r"$\pm$")
    paths[".tex"].write_text(latex)
