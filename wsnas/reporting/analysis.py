"""From accuracy tables to the quantities of seed 002's Tables 1-2 and Figures 2-3.

An *accuracy matrix* is a DataFrame indexed by epoch with the 64 child ids as columns.
"""

import numpy as np
import pandas as pd

from wsnas.reporting import metrics
from wsnas.errors import WsnasError
from wsnas.reporting.results import read_table
from wsnas.core.space import CHILD_IDS


def accuracy_matrix(path) -> pd.DataFrame:
    """Epoch x child accuracy matrix from a long table file (epoch, child, accuracy)."""
    return accuracy_matrix_from_frame(read_table(path, ["epoch", "child", "accuracy"]), f"results file {path}")


def accuracy_matrix_from_frame(table: pd.DataFrame, source: str) -> pd.DataFrame:
    matrix = table.pivot_table(index="epoch", columns="child", values="accuracy", aggfunc="last")
    missing = [c for c in CHILD_IDS if c not in matrix.columns]
    if missing or matrix.isna().any().any():
        raise WsnasError(f"{source} lacks some child at some epoch (e.g. {missing[:1]}); delete it and rerun the step that writes it")
    return matrix[list(CHILD_IDS)].sort_index()


def ground_truth_summary(seed_matrices: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Per child: mean and population std of the final-epoch accuracy over seeds, and its rank (1 = best)."""
    final = pd.DataFrame({seed: m.iloc[-1] for seed, m in seed_matrices.items()})
    out = pd.DataFrame({"child": list(CHILD_IDS), "mean": final.mean(axis=1).values,
                        "std": final.std(axis=1, ddof=0).values, "seeds": final.shape[1]})
    out["rank"] = metrics.ranks(out["mean"].values)
    return out


def stability_per_epoch(matrices: list[pd.DataFrame]) -> pd.DataFrame:
    """S-Tau across instances at every epoch that all instances have (Eq. 2, Figure 2): mean, population
    std, max and min of the N(N-1)/2 pairwise taus."""
    if len(matrices) < 2:
        raise WsnasError("S-Tau needs at least 2 instances; raise 'instances' of the experiment in the config")
    epochs = sorted(set.intersection(*(set(m.index) for m in matrices)))
    rows = []
    for epoch in epochs:
        taus = pairwise_taus(m.loc[epoch].values for m in matrices)
        rows.append({"epoch": epoch, "s_tau": taus.mean(), "s_tau_std": taus.std(), "s_tau_max": taus.max(),
                     "s_tau_min": taus.min(), "rankings": len(matrices)})
    return pd.DataFrame(rows)


def pairwise_taus(rankings) -> np.ndarray:
    rankings = list(rankings)
    return np.array([metrics.kendall_tau(rankings[i], rankings[j])
                     for i in range(len(rankings)) for j in range(i + 1, len(rankings))])


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
    taus = pairwise_taus(row.values for _, row in matrix.iloc[-last:].iterrows())
    return {"s_tau": taus.mean(), "s_tau_std": taus.std(), "s_tau_max": taus.max(), "s_tau_min": taus.min()}


def random_rank_stability(n: int, seed: int) -> pd.DataFrame:
    """The paper's "Random rank" baseline: S-Tau of ``n`` seeded random permutations of the 64 children."""
    rng = np.random.default_rng(seed)
    rankings = [rng.permutation(len(CHILD_IDS)) for _ in range(n)]
    taus = pairwise_taus(rankings)
    return pd.DataFrame([{"s_tau": taus.mean(), "s_tau_std": taus.std(), "s_tau_max": taus.max(),
                          "s_tau_min": taus.min(), "rankings": n}])


def mean_std(values) -> tuple[float, float]:
    """Mean and population std, as the paper's "± standard variance of these 10 numbers"."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std())


def rank_distribution(matrices_or_rows, gt_mean) -> pd.DataFrame:
    """Long table (child, gt_rank, rank) of each child's rank in each ranking (Figure 3)."""
    gt_rank = metrics.ranks(np.asarray(gt_mean, dtype=float))
    rows = []
    for acc in matrices_or_rows:
        r = metrics.ranks(np.asarray(acc, dtype=float))
        rows += [{"child": c, "gt_rank": int(g), "rank": int(k)} for c, g, k in zip(CHILD_IDS, gt_rank, r)]
    return pd.DataFrame(rows)


# -- dense evaluation at the end of training (Sec. 4.1-4.3, Tables 3-4, Figures 5-9) ----------------------
def dense_matrix(path) -> pd.DataFrame:
    """Step x child accuracy matrix of a dense-evaluation table (step, trained, 111..444)."""
    frame = read_table(path, ["step", *CHILD_IDS])
    if frame[list(CHILD_IDS)].isna().any().any() or frame.empty:
        raise WsnasError(f"results file {path} lacks some child at some step; delete it and rerun the step that writes it")
    return frame.set_index("step")[list(CHILD_IDS)].sort_index()


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
    matrix = table.pivot_table(index="step", columns="child", values="accuracy")[list(CHILD_IDS)]
    return pd.DataFrame({"step": matrix.index, "gt_tau": [metrics.gt_tau(r, gt_mean) for r in matrix.values]})
