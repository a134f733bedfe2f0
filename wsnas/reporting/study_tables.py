"""Tables 3a, 3b and 4 of seed 002, ours beside the paper's, from the study runs' window metrics.

Each table is written in long form (one row per number: table, row, column, metric, ours ± std over
instances, paper ± std, n) as CSV, and as a Markdown/LaTeX view. The long form is also what the paper
comparison report reads.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.reporting import paper
from wsnas.reporting.analysis import mean_std
from wsnas.reporting.results import read_table, write_csv
from wsnas.plan.studies import group_run_name, prefix_run_name
from wsnas.reporting.tables import format_mean_std

WINDOW_COLUMNS = ["instance", "gt_tau_mean", "gt_tau_std", "acc_mean", "acc_std"]
METRICS = {"gt_tau_mean": "GT-Tau-Mean-k", "gt_tau_std": "GT-Tau-Std-k", "acc_mean": "Accuracy Mean", "acc_std": "Accuracy Std"}
_PAPER_T4 = {"gt_tau_mean": "GT-Tau-Mean-64", "gt_tau_std": "GT-Tau-Std-64", "acc_mean": "Accuracy Mean", "acc_std": "Accuracy Std"}


def _row(table, row, column, metric, values, ref):
    ours, ours_std = mean_std(values)
    return {"table": table, "row": row, "column": column, "metric": METRICS[metric], "ours": ours, "ours_std": ours_std,
            "paper": ref[0] if ref else np.nan, "paper_std": ref[1] if ref else np.nan, "n": len(values)}


def _metrics_of(paths_by_run: dict, name: str) -> pd.DataFrame:
    return read_table(paths_by_run[name], WINDOW_COLUMNS)


def table3a_group_sharing(config: dict, paths_by_run: dict) -> pd.DataFrame:
    g = config["studies"]["group"]
    rows = []
    for m in g["groups"]:
        for grouping in g["groupings"]:
            frame = _metrics_of(paths_by_run, group_run_name(grouping, m))
            ref = paper.TABLE3A.get(m, {}).get(grouping)
            for i, metric in enumerate(("gt_tau_mean", "gt_tau_std")):
                rows.append(_row("3a", f"m = {m}", f"grouping by {grouping}", metric, frame[metric], ref[i] if ref else None))
    return pd.DataFrame(rows)


def table4_prefix_sharing(config: dict, paths_by_run: dict, epochs=None) -> pd.DataFrame:
    """Table 4 (all epoch counts, four metrics); with ``epochs`` given, Table 3b (GT-Tau only)."""
    p = config["studies"]["prefix"]
    rows = []
    for e in ([epochs] if epochs else p["epochs"]):
        for k in p["cells"]:
            frame = _metrics_of(paths_by_run, prefix_run_name(e, k))
            paper_epochs = 2000 if epochs else e  # Table 3b is the paper's 2000-epoch half
            ref = paper.TABLE4.get((paper_epochs, k), {})
            for metric in (("gt_tau_mean", "gt_tau_std") if epochs else METRICS):
                rows.append(_row("3b" if epochs else "4", f"{e} epochs, k = {k}", "", metric, frame[metric], ref.get(_PAPER_T4[metric])))
    return pd.DataFrame(rows)


def write_long_table(frame: pd.DataFrame, outputs, title: str, config: dict, provenance: str) -> None:
    """CSV (long form) plus a Markdown/LaTeX view with 'ours (paper)' per metric column."""
    paths = {Path(p).suffix: Path(p) for p in outputs}
    write_csv(frame, paths[".csv"])
    k = config["studies"]["window"]
    view = frame.assign(header=lambda f: (f["column"] + " " + f["metric"].str.replace("-k", f"-{k}")).str.strip(),
                        cell=lambda f: [f"{format_mean_std(o, s)} ({format_mean_std(p, ps)})" for o, s, p, ps in
                                        zip(f["ours"], f["ours_std"], f["paper"], f["paper_std"])])
    view = view.pivot_table(index="row", columns="header", values="cell", aggfunc="first", sort=False).reset_index()
    note = (f"\n\nCells: ours, mean ± std over instances (paper's value ± its std in parentheses; the paper's "
            f"window is 64 mini-batches, ours {k}).\n\nProduced by: {provenance}.")
    paths[".md"].write_text(f"## {title}\n\n{view.to_markdown(index=False)}{note}\n")
    paths[".tex"].write_text(view.to_latex(index=False, caption=title, escape=True).replace("±", r"$\pm$"))
