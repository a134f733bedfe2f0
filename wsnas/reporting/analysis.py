"""From result tables to the quantities of Zhang et al. 2020's Tables 1-4 and Figures 2-9.

An *accuracy matrix* is a DataFrame indexed by epoch (or, for a dense evaluation, by mini-batch step)
with the 64 children as columns, in ``wsnas.reporting.results.CHILDREN`` order.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.errors import WsnasError
from wsnas.reporting import metrics
from wsnas.reporting.results import CHILDREN, child_columns, child_matrix, read_table


def accuracy_matrix(path) -> pd.DataFrame:
    """Epoch x child accuracy matrix from a long table file (epoch, child, accuracy)."""
    return accuracy_matrix_from_frame(read_table(path, ["epoch", "child", "accuracy"]), f"results file {path}")


def accuracy_matrix_from_frame(table: pd.DataFrame, source: str) -> pd.DataFrame:
    return child_matrix(table, "epoch", "accuracy", source)


def seed_matrices(paths) -> dict[int, pd.DataFrame]:
    """Ground-truth accuracy matrices by seed, from the chunk files .../seed{S}/chunk{C}.csv of every seed."""
    by_seed: dict[int, list] = {}
    for path in map(Path, paths):
        by_seed.setdefault(int(path.parent.name.removeprefix("seed")), []).append(
            read_table(path, ["child", "epoch", "accuracy"]))
    return {seed: accuracy_matrix_from_frame(pd.concat(parts), f"ground truth of seed {seed}")
            for seed, parts in sorted(by_seed.items())}


def ground_truth_summary(seed_matrices: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per child: mean and population std of the final-epoch accuracy over seeds, and its rank (1 = best)."""
    final = pd.DataFrame({seed: m.iloc[-1] for seed, m in seed_matrices.items()})
    out = pd.DataFrame({"child": CHILDREN, "mean": final.mean(axis=1).values,
                        "std": final.std(axis=1, ddof=0).values, "seeds": final.shape[1]})
    out["rank"] = metrics.ranks(out["mean"].values)
    return out


def stability_per_epoch(matrices: list[pd.DataFrame]) -> pd.DataFrame:
    """S-Tau across instances at every epoch that all instances have (Eq. 2, Figure 2): the S-Tau summary
    (``metrics.s_tau``) of the instances' rankings at that epoch."""
    if len(matrices) < 2:
        raise WsnasError("S-Tau needs at least 2 instances; raise 'instances' of the experiment in the config")
    epochs = sorted(set.intersection(*(set(m.index) for m in matrices)))
    rows = [{"epoch": epoch, **metrics.s_tau(m.loc[epoch].values for m in matrices), "rankings": len(matrices)}
            for epoch in epochs]
    return pd.DataFrame(rows)


def gt_metrics(matrix: pd.DataFrame, gt_mean) -> pd.DataFrame:
    """GT-Tau, T1R and T3R of every epoch's ranking of one instance (Table 2)."""
    gt = np.asarray(gt_mean, dtype=float)
    rows = [{"epoch": epoch, "gt_tau": metrics.gt_tau(acc.values, gt), "t1r": metrics.top_n_rank(acc.values, gt, 1),
             "t3r": metrics.top_n_rank(acc.values, gt, 3)} for epoch, acc in matrix.iterrows()]
    return pd.DataFrame(rows)


def last_epochs_stability(matrix: pd.DataFrame, last: int) -> dict:
    """S-Tau among the rankings of an instance's last ``last`` epochs (Table 1, "Different epochs")."""
    if len(matrix) < last:
        raise WsnasError(f"config key analysis.last_epochs={last} exceeds the {len(matrix)} evaluated epochs; lower it or train longer")
    return metrics.s_tau(row.values for _, row in matrix.iloc[-last:].iterrows())


def random_rank_stability(n: int, seed: int) -> pd.DataFrame:
    """The paper's "Random rank" baseline: S-Tau of ``n`` seeded random permutations of the 64 children."""
    rng = np.random.default_rng(seed)
    rankings = [rng.permutation(len(CHILDREN)) for _ in range(n)]
    return pd.DataFrame([{**metrics.s_tau(rankings), "rankings": n}])


def mean_std(values) -> tuple[float, float]:
    """Mean and population std, as the paper's "± standard variance of these 10 numbers"."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


def rank_distribution(matrices_or_rows, gt_mean) -> pd.DataFrame:
    """Long table (child, gt_rank, rank) of each child's rank in each ranking (Figure 3); tied children
    share their mean rank (``metrics.ranks``)."""
    gt_rank = metrics.ranks(np.asarray(gt_mean, dtype=float))
    rows = []
    for acc in matrices_or_rows:
        r = metrics.ranks(np.asarray(acc, dtype=float))
        rows += [{"child": c, "gt_rank": float(g), "rank": float(k)} for c, g, k in zip(CHILDREN, gt_rank, r)]
    return pd.DataFrame(rows)


# -- dense evaluation at the end of training (Sec. 4.1-4.3, Tables 3-4, Figures 5-9) ----------------------
def dense_matrix(path) -> pd.DataFrame:
    """Step x child accuracy matrix of a dense-evaluation table (step, trained, 111..444)."""
    frame = read_table(path, ["step", *CHILDREN])
    return child_columns(frame.set_index("step"), f"results file {path}")


def gt_tau_per_step(matrix: pd.DataFrame, gt_mean) -> pd.Series:
    return pd.Series([metrics.gt_tau(row, gt_mean) for row in matrix.values], index=matrix.index, name="gt_tau")


def window_metrics(matrix: pd.DataFrame, gt_mean, window: int) -> dict:
    """One instance's row of Tables 3-4: GT-Tau-Mean-k and GT-Tau-Std-k over the last k mini-batches;
    accuracy mean and std: each child's accuracy averaged over those k mini-batches, then the mean and
    (population) std across the 64 children (Table 4's caption). Also the GT-Tau range over all dense steps."""
    mean, std = metrics.gt_tau_window(matrix.values, gt_mean, window)
    per_child = matrix.iloc[-window:].mean(axis=0)
    taus = gt_tau_per_step(matrix, gt_mean)
    return {"gt_tau_mean": mean, "gt_tau_std": std, "acc_mean": float(per_child.mean()),
            "acc_std": float(per_child.std(ddof=0)), "gt_tau_min": float(taus.min()), "gt_tau_max": float(taus.max()),
            "steps": len(matrix)}


def finetune_gt_tau(table: pd.DataFrame, gt_mean) -> pd.DataFrame:
    """GT-Tau after each fine-tuning mini-batch (Figure 4c-d), from a (child, step, accuracy) table."""
    matrix = child_matrix(table, "step", "accuracy", "fine-tuning table")
    return pd.DataFrame({"step": matrix.index, "gt_tau": [metrics.gt_tau(r, gt_mean) for r in matrix.values]})
