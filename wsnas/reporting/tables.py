"""Every table of Zhang et al. 2020 (Tables 1, 2, 3a, 3b and 4) in one long form, and the one writer that
renders it as CSV (the long form itself), Markdown and LaTeX.

The long form has one row per number: ``table`` ("1", "2", "3a", "3b", "4"), ``row`` (an experiment, a
partition, an epoch count and k), ``column`` (a sub-heading such as Table 3a's grouping; "" where the
table has none), ``metric``, ``ours`` ± ``ours_std``, the paper's ``paper`` ± ``paper_std`` (NaN where it
gives none), ``n`` (how many numbers ours summarises) and ``statistic`` (what ours ± ours_std is). The
producers of Tables 1-2 are here, those of Tables 3-4 in ``wsnas.reporting.study_tables``; the paper's
numbers come from ``wsnas.reporting.paper``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.plan.runs import epochs_instance
from wsnas.reporting import paper
from wsnas.reporting.analysis import mean_std
from wsnas.reporting.results import read_table, write_csv

LONG_COLUMNS = ["table", "row", "column", "metric", "ours", "ours_std", "paper", "paper_std", "n", "statistic"]
#: Titles of the tables; Tables 1-2 are shown one row per experiment with ours beside the paper per metric,
#: Tables 3-4 one cell per row and column holding "ours (paper)".
TITLES = {
    "1": "Table 1: instability across instances (S-Tau)",
    "2": "Table 2: comparison with the ground truth (GT-Tau, TnR)",
    "3a": "Table 3a: group sharing (GT-Tau-Mean-k, GT-Tau-Std-k)",
    "3b": "Table 3b: prefix sharing (GT-Tau-Mean-k, GT-Tau-Std-k)",
    "4": "Table 4: prefix sharing details",
}
SIDE_BY_SIDE = ("1", "2")
RANK_METRICS = ("T1R", "T3R")  # shown with one decimal, everything else with four
GT_LABEL, RANDOM_LABEL, EPOCHS_LABEL = "Ground truth", "Random rank", "Different epochs"
EPOCHS_RANGE_LABEL = "Different epochs (range over instances)"


def provenance(config: dict) -> str:
    """One line saying what produced the numbers, so a demo run is never mistaken for the paper's scale."""
    d, t = config["data"], config["train"]
    size = f"{d['resolution']}x{d['resolution']}" if d["name"] != "cifar10" else "32x32"
    exps = ", ".join(f"{e['label']}: {e['instances']}" for e in config["experiments"].values())
    gt = config["ground_truth"]
    precision = f"precision: training {t['precision']}, evaluation {config['evaluate']['precision']}"
    if "auto" in (t["precision"], config["evaluate"]["precision"]):
        precision += " (auto: bf16 autocast on CUDA, fp32 on CPU)"
    return (f"dataset {d['name']} ({size}), {t['epochs']} supernet epochs, batch {t['batch_size']}, instances ({exps}), "
            f"{gt['seeds']} ground-truth seeds x {gt['epochs'] or t['epochs']} epochs, {precision}; "
            f"paper: {paper.SETUP}")


def format_mean_std(mean, std, digits: int = 4) -> str:
    """'mean ± std', 'mean' without a std, '–' without a mean."""
    if pd.isna(mean):
        return "–"
    return f"{mean:.{digits}f}" if pd.isna(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


# -- the long form -------------------------------------------------------------------------------------
def number(table: str, row: str, metric: str, ours, ours_std=np.nan, paper_value=(np.nan, np.nan), n=0,
           statistic: str = "", column: str = "") -> dict:
    """One row of the long form: one number of one table, ours beside the paper's (mean, std)."""
    return {"table": table, "row": row, "column": column, "metric": metric, "ours": ours, "ours_std": ours_std,
            "paper": paper_value[0], "paper_std": paper_value[1], "n": n, "statistic": statistic}


def long_form(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=LONG_COLUMNS)


def read_long(path) -> pd.DataFrame:
    """A table's long form back from its CSV (labels as text, "" for an empty column)."""
    return read_table(path, ["ours", "ours_std", "paper", "paper_std", "n"], text=("table", "row", "column", "metric", "statistic"))


# -- Tables 1-2 ----------------------------------------------------------------------------------------
_STABILITY = ["s_tau", "s_tau_std", "s_tau_max", "s_tau_min"]


def _final_epoch(frame: pd.DataFrame) -> pd.Series:
    return frame.loc[frame["epoch"].idxmax()]


def _stability_numbers(label, s_tau, std, smax, smin, n, statistic) -> list[dict]:
    ref = paper.TABLE1.get(label, (np.nan,) * 3)
    return [number("1", label, "S-Tau", s_tau, std, (ref[0], np.nan), n, statistic),
            number("1", label, "Max Tau", smax, np.nan, (ref[1], np.nan), n, statistic),
            number("1", label, "Min Tau", smin, np.nan, (ref[2], np.nan), n, statistic)]


def table1_stability(config: dict, stability, last_epochs, random_rank, gt_stability) -> pd.DataFrame:
    """Table 1: each experiment's S-Tau (mean ± std, max and min of the pairwise taus at the last epoch,
    ``stability``: one stability_per_epoch file per experiment), random rank, ground truth, and different
    epochs: one instance's mean, max and min of the pairwise taus among its last N epochs' rankings (the
    authors' ``typesetting-win.bat``, "In table, different epochs": instance 9 of shuffle), plus the range of
    that S-Tau over the instances of ``analysis.epochs_range_experiments`` (Zhang et al. 2020, Sec. 3.2:
    "between 0.39 to 0.63"); ``last_epochs``: one last_epochs file per experiment."""
    rows = []
    for exp, path in zip(config["experiments"].values(), stability):
        r = _final_epoch(read_table(path, ["epoch", *_STABILITY, "rankings"]))
        rows += _stability_numbers(exp["label"], r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings),
                                   "mean ± std of pairwise taus, last epoch")
    r = read_table(random_rank, [*_STABILITY, "rankings"]).iloc[0]
    rows += _stability_numbers(RANDOM_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings),
                               "mean ± std of pairwise taus")
    r = _final_epoch(read_table(gt_stability, ["epoch", *_STABILITY, "rankings"]))
    rows += _stability_numbers(GT_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, int(r.rankings),
                               "mean ± std of pairwise taus, last epoch")
    a, names = config["analysis"], list(config["experiments"])
    last = {name: read_table(path, ["instance", *_STABILITY]) for name, path in zip(names, last_epochs)}
    instance, label = epochs_instance(config), config["experiments"][a["epochs_experiment"]]["label"]
    r = last[a["epochs_experiment"]].set_index("instance").loc[instance]
    rows += _stability_numbers(EPOCHS_LABEL, r.s_tau, r.s_tau_std, r.s_tau_max, r.s_tau_min, a["last_epochs"],
                               f"mean ± std, max and min of the pairwise taus among the last {a['last_epochs']} epochs' "
                               f"rankings of instance {instance} of {label}")
    every = pd.concat([last[e] for e in a["epochs_range_experiments"]])
    rows += _stability_numbers(EPOCHS_RANGE_LABEL, every.s_tau.median(), every.s_tau.std(ddof=0), every.s_tau.max(),
                               every.s_tau.min(), len(every), "median ± std, max and min over the instances of "
                               f"{', '.join(config['experiments'][e]['label'] for e in a['epochs_range_experiments'])} "
                               f"of each one's S-Tau among its last {a['last_epochs']} epochs")
    return long_form(rows)


def _gt_numbers(label, frame, statistic) -> list[dict]:
    ref = paper.TABLE2.get(label, {})
    return [number("2", label, metric, *mean_std(frame[column]), ref.get(metric, (np.nan, np.nan)), len(frame), statistic)
            for metric, column in (("GT-Tau", "gt_tau"), ("T1R", "t1r"), ("T3R", "t3r"))]


def table2_ground_truth(config: dict, gt_metrics, gt_seed_metrics) -> pd.DataFrame:
    """Table 2: GT-Tau, T1R, T3R as mean ± population std over instances (last epoch; ``gt_metrics``: one
    file per experiment), over ground-truth seeds (``gt_seed_metrics``), and over the last N epochs of one
    instance ("Different epochs")."""
    columns = ["epoch", "gt_tau", "t1r", "t3r"]
    rows = []
    names = list(config["experiments"])
    for name, path in zip(names, gt_metrics):
        frame = read_table(path, ["instance", *columns])
        final = frame[frame["epoch"] == frame["epoch"].max()]
        rows += _gt_numbers(config["experiments"][name]["label"], final, "over instances, last epoch")
    rows += _gt_numbers(GT_LABEL, read_table(gt_seed_metrics, ["seed", *columns]), "each seed's ranking vs the seed mean")
    a, instance = config["analysis"], epochs_instance(config)
    frame = read_table(gt_metrics[names.index(a["epochs_experiment"])], ["instance", *columns])
    one = frame[frame["instance"] == instance].sort_values("epoch").iloc[-a["last_epochs"]:]
    label = config["experiments"][a["epochs_experiment"]]["label"]
    rows += _gt_numbers(EPOCHS_LABEL, one, f"last {len(one)} epochs of instance {instance} of {label}")
    return long_form(rows)


# -- the writer ----------------------------------------------------------------------------------------
def _digits(metric: str) -> int:
    return 1 if metric in RANK_METRICS else 4


def _side_by_side(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """One row per experiment; per metric, ours and the paper's as 'mean ± std' (or 'mean' without a std)."""
    rows = list(dict.fromkeys(frame["row"]))
    view = pd.DataFrame({"Experiment": rows})
    for metric in dict.fromkeys(frame["metric"]):
        cells = frame[frame["metric"] == metric].set_index("row").reindex(rows)
        d = _digits(metric)
        view[f"{metric} (ours)"] = [format_mean_std(o, s, d) for o, s in zip(cells["ours"], cells["ours_std"])]
        view[f"{metric} (paper)"] = [format_mean_std(p, s, d) for p, s in zip(cells["paper"], cells["paper_std"])]
    first = frame.drop_duplicates("row").set_index("row").reindex(rows)
    view["n"] = first["n"].astype(int).values
    note = f"Rows: {'; '.join(f'{r}: {s}' for r, s in zip(rows, first['statistic']))}."
    return view, note


def _cells(frame: pd.DataFrame, window: int) -> tuple[pd.DataFrame, str]:
    """One cell per row and column: 'ours ± std (paper ± std)', metric names with k = ``window``."""
    view = frame.assign(header=lambda f: (f["column"] + " " + f["metric"].str.replace("-k", f"-{window}")).str.strip(),
                        cell=lambda f: [f"{format_mean_std(o, s, _digits(m))} ({format_mean_std(p, ps, _digits(m))})"
                                        for o, s, p, ps, m in zip(f["ours"], f["ours_std"], f["paper"], f["paper_std"], f["metric"])])
    view = view.pivot_table(index="row", columns="header", values="cell", aggfunc="first", sort=False).reset_index()
    note = (f"Cells: ours, mean ± std over instances (paper's value ± its std in parentheses; the paper's "
            f"window is {paper.WINDOW} mini-batches, ours {window}).")
    return view, note


def write_table(frame: pd.DataFrame, outputs, provenance: str | None = None, window: int | None = None) -> None:
    """Write one table's long form ``frame`` to the .csv output and its view to the .md and .tex outputs:
    Tables 1-2 one row per experiment with ours beside the paper's per metric and the rows' statistics as a
    note, Tables 3-4 one "ours (paper)" cell per row and column, with k = ``window`` in the metric names."""
    paths = {Path(p).suffix: Path(p) for p in outputs}
    table = frame["table"].iloc[0]
    title = TITLES[table]
    write_csv(frame[LONG_COLUMNS], paths[".csv"])
    view, note = _side_by_side(frame) if table in SIDE_BY_SIDE else _cells(frame, window)
    if provenance is not None:
        note += f"\n\nProduced by: {provenance}."
    paths[".md"].write_text(f"## {title}\n\n{view.to_markdown(index=False)}\n\n{note}\n")
    paths[".tex"].write_text(view.to_latex(index=False, caption=title, escape=True).replace("±", r"$\pm$"))
