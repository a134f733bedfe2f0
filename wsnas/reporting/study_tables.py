"""Tables 3a, 3b and 4 of Zhang et al. 2020 (Sec. 4.2-4.3) in the long form of ``wsnas.reporting.tables``,
ours beside the paper's, from the study runs' window metrics (``results/metrics/studies/<run>.csv``)."""

from pathlib import Path

import pandas as pd

from wsnas.plan.studies import group_run_name, prefix_run_name
from wsnas.reporting import paper
from wsnas.reporting.analysis import mean_std
from wsnas.reporting.results import read_table
from wsnas.reporting.tables import long_form, number

WINDOW_COLUMNS = ["instance", "gt_tau_mean", "gt_tau_std", "acc_mean", "acc_std"]
METRICS = {"gt_tau_mean": "GT-Tau-Mean-k", "gt_tau_std": "GT-Tau-Std-k", "acc_mean": "Accuracy Mean", "acc_std": "Accuracy Std"}
_PAPER_T4 = {"gt_tau_mean": "GT-Tau-Mean-64", "gt_tau_std": "GT-Tau-Std-64", "acc_mean": "Accuracy Mean", "acc_std": "Accuracy Std"}
STATISTIC = "mean ± std over instances"


def _number(table, row, column, metric, values, ref) -> dict:
    return number(table, row, METRICS[metric], *mean_std(values), ref or (float("nan"),) * 2, len(values), STATISTIC, column)


def _by_run(metrics) -> dict:
    """The window-metric files by run name (the file's stem, as rule study_metrics names them)."""
    return {Path(p).stem: p for p in metrics}


def _metrics_of(paths_by_run: dict, name: str) -> pd.DataFrame:
    return read_table(paths_by_run[name], WINDOW_COLUMNS)


def table3a_group_sharing(config: dict, metrics) -> pd.DataFrame:
    """Table 3a: GT-Tau-Mean-k and GT-Tau-Std-k of each partition into m groups and grouping, from the
    ``metrics`` files of the group runs."""
    g, paths = config["studies"]["group"], _by_run(metrics)
    rows = []
    for m in g["groups"]:
        for grouping in g["groupings"]:
            frame = _metrics_of(paths, group_run_name(grouping, m))
            ref = paper.TABLE3A.get(m, {}).get(grouping)
            for i, metric in enumerate(("gt_tau_mean", "gt_tau_std")):
                rows.append(_number("3a", f"m = {m}", f"grouping by {grouping}", metric, frame[metric], ref[i] if ref else None))
    return long_form(rows)


def table4_prefix_details(config: dict, metrics, epochs=None) -> pd.DataFrame:
    """Table 4 (all epoch counts, four metrics) from the ``metrics`` files of the prefix runs; with
    ``epochs`` given, Table 3b (that epoch count, GT-Tau only)."""
    p, paths = config["studies"]["prefix"], _by_run(metrics)
    rows = []
    for e in ([epochs] if epochs else p["epochs"]):
        for k in p["cells"]:
            frame = _metrics_of(paths, prefix_run_name(e, k))
            paper_epochs = paper.PREFIX_EPOCHS[0] if epochs else e  # Table 3b: the paper's 2000 epochs
            ref = paper.TABLE4.get((paper_epochs, k), {})
            for metric in (("gt_tau_mean", "gt_tau_std") if epochs else METRICS):
                rows.append(_number("3b" if epochs else "4", f"{e} epochs, k = {k}", "", metric, frame[metric], ref.get(_PAPER_T4[metric])))
    return long_form(rows)


def table3b_prefix_sharing(config: dict, metrics) -> pd.DataFrame:
    """Table 3b: prefix sharing at the first of ``studies.prefix.epochs``, beside the paper's 2000 epochs."""
    return table4_prefix_details(config, metrics, config["studies"]["prefix"]["epochs"][0])
