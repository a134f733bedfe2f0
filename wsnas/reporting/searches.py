"""The metrics of one search run (``wsnas.plan.searches``) against the ground truth (the comparisons of two
runs are ``wsnas.reporting.paired``).

Per instance and BN mode, at the last epoch: GT-Tau, T1R and T3R (Zhang et al. 2020, Sec. 3.2), P@Top5%
(Lu et al. 2023, Sec. 5: the top ceil(5 % of 64) = 4 children), the pick (the top-1 child) with its
ground-truth rank and accuracy and its regret (the best child's ground-truth accuracy minus the pick's); in the dense-evaluation mode also GT-Tau-Mean-k and GT-Tau-Std-k over the
last k mini-batches (Sec. 4.1). Orders with ties are expectations over the orderings of the tied scores
(``wsnas.reporting.metrics``). Per run and BN mode: their mean and std over instances, S-Tau across the
instances (Eq. 2) and how many distinct children the instances pick. The disturbance quantities (Niu et al. 2020, Figure 3) come
from the per-epoch rankings (``metrics.disturbance_over_interval``).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.errors import WsnasError
from wsnas.reporting import analysis, metrics
from wsnas.reporting.results import CHILDREN, read_table

#: P@Top5%: the share of the predicted top 5 % that is in the ground truth's top 5 % (Lu et al. 2023's headline metric).
TOP_FRACTION = 0.05
#: The columns of a run's mechanism records (``mechanism``), and those of them that hold text.
MECHANISM_COLUMNS = ["run", "record", "label", "position", "epoch", "mean", "low", "high", "instances"]
MECHANISM_TEXT = ("run", "label", "position")
#: Columns averaged over instances in a run's summary (each also gets a ``_std`` column).
AVERAGED = ["gt_tau", "t1r", "t3r", "p_top5", "pick_gt_rank", "pick_gt_acc", "regret", "gt_tau_mean_k", "gt_tau_std_k"]


def run_files(paths, run: str) -> list:
    """The files of search run ``run`` among ``paths`` (results/searches/<run>/<instance>/<file>)."""
    return [p for p in paths if Path(p).parts[-3] == run]


def epoch_means(paths) -> pd.DataFrame:
    """The instances' per-epoch records (``epochs.csv``) averaged over instances, indexed by epoch."""
    return pd.concat([read_table(p, ["epoch"]) for p in paths]).groupby("epoch").mean(numeric_only=True)


def instance_metrics(matrix: pd.DataFrame, gt_mean, instance: int) -> dict:
    """One instance's last-epoch ranking (``matrix``: epochs x children) against the ground truth. Every
    number that depends on an order is its expectation over the orderings of tied scores (``metrics``);
    ``pick`` names one child (ties broken by a random order seeded by the instance) and ``pick_ties`` how
    many tie for the top."""
    acc, gt = matrix.iloc[-1].values, np.asarray(gt_mean, dtype=float)
    return {"epoch": int(matrix.index[-1]), "gt_tau": metrics.gt_tau(acc, gt), "t1r": metrics.top_n_rank(acc, gt, 1),
            "t3r": metrics.top_n_rank(acc, gt, 3), "p_top5": metrics.precision_at_top(acc, gt, TOP_FRACTION),
            "pick": CHILDREN[int(metrics.top_n(acc, 1, seed=instance)[0])], **metrics.pick_expectations(acc, gt)}


def run_metrics(run: str, accuracy: dict, dense: list, gt_mean, dense_mode: str, window: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(instances, summary) of one search run. ``accuracy``: BN mode -> the instances' accuracy matrices
    (``analysis.accuracy_matrix``); ``dense``: the instances' dense tables, evaluated in ``dense_mode``."""
    rows, summary = [], []
    for bn_mode, matrices in accuracy.items():
        if len(matrices) < 2:
            raise WsnasError(f"config key searches.{run}.instances: S-Tau needs at least 2 instances")
        mode_rows = []
        for i, matrix in enumerate(matrices):
            row = {"run": run, "bn_mode": bn_mode, "instance": i, **instance_metrics(matrix, gt_mean, i)}
            if bn_mode == dense_mode:
                window_numbers = analysis.window_metrics(analysis.dense_matrix(dense[i]), gt_mean, window)
                row |= {"gt_tau_mean_k": window_numbers["gt_tau_mean"], "gt_tau_std_k": window_numbers["gt_tau_std"]}
            mode_rows.append(row)
        frame = pd.DataFrame(mode_rows).reindex(columns=list(dict.fromkeys([*mode_rows[0], "gt_tau_mean_k", "gt_tau_std_k"])))
        stats = {"run": run, "bn_mode": bn_mode, "instances": len(matrices), "window": window,
                 **metrics.s_tau(m.iloc[-1].values for m in matrices), "distinct_picks": frame["pick"].nunique()}
        for column in AVERAGED:
            stats[column], stats[f"{column}_std"] = analysis.mean_std(frame[column]) if frame[column].notna().all() else (np.nan, np.nan)
        rows.append(frame)
        summary.append(stats)
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summary)


def top_picks(run: str, accuracy: dict, k: int) -> pd.DataFrame:
    """The ``k`` best-ranked children of every instance at its last epoch, per BN mode (``accuracy``: BN mode
    -> the instances' accuracy matrices): the children final retraining trains (``wsnas.plan.retrain``);
    ties in the order ``instance_metrics`` breaks them, so rank 0 is the row's ``pick``."""
    rows = [{"run": run, "bn_mode": bn_mode, "instance": i, "rank": r, "child": CHILDREN[c]}
            for bn_mode, matrices in accuracy.items() for i, matrix in enumerate(matrices)
            for r, c in enumerate(metrics.top_n(matrix.iloc[-1].values, k, seed=i))]
    return pd.DataFrame(rows)


def disturbance(run: str, matrices, interval: int) -> pd.DataFrame:
    """The disturbance quantities (Niu et al. 2020, Figure 3) per instance of search run ``run`` (``matrices``: its per-epoch accuracy
    matrices), over ``interval`` epochs or, for a shorter run, over its epochs - 1 (the ``interval`` column
    says which)."""
    frames = []
    for i, matrix in enumerate(matrices):
        used = min(interval, len(matrix) - 1)
        if used < 1:
            raise WsnasError(f"search run {run}, instance {i}: one evaluated epoch; Figure 3 needs two "
                             f"(raise config key searches.{run}.epochs)")
        frames.append(pd.DataFrame(metrics.disturbance_over_interval(matrix.values, used)).assign(instance=i, interval=used))
    return pd.concat(frames, ignore_index=True)


def mechanism(run: str, records, histories) -> pd.DataFrame:
    """What the method of search run ``run`` did, from its instances' epoch records (``histories``: their
    ``epochs.csv``; ``records``: the method's ``Declaration.records``): each record's mean, lowest and highest
    value over the instances at the first, the middle and the last of the epochs at which every instance
    recorded it. A record that some instance lacks, or that no epoch has finite in every instance, gives no rows."""
    frames = [read_table(p, ["epoch"]).set_index("epoch") for p in histories]
    rows = []
    for k, record in enumerate(records):
        needed = [record.column] + ([record.per] if record.per else [])
        if not frames or any(c not in f for f in frames for c in needed):
            continue
        values = pd.concat([f[record.column] / (f[record.per] if record.per else 1) for f in frames], axis=1)
        values = values[np.isfinite(values).all(axis=1)]
        if values.empty:
            continue
        positions = {"first": 0, "middle": (len(values) - 1) // 2, "last": len(values) - 1}
        for position, row in positions.items():
            v = values.iloc[row]
            rows.append({"run": run, "record": k, "label": record.label, "position": position,
                         "epoch": int(values.index[row]), "mean": float(v.mean()), "low": float(v.min()),
                         "high": float(v.max()), "instances": len(v)})
    return pd.DataFrame(rows, columns=MECHANISM_COLUMNS)
