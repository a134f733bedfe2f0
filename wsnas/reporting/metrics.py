"""Ranking metrics of Zhang et al. 2020 (Sec. 3.2, Sec. 4) and the precision at top of Lu et al. 2023 (Sec. 5).

All inputs are accuracies per child (the same 64-child order in every argument); rankings are derived
from them. Kendall tau is ``scipy.stats.kendalltau`` (tau-b, which equals tau-a when there are no ties).

Ranks: rank 1 is the best (highest accuracy). Ties are broken deterministically by child order, the
child that comes first in ``wsnas.core.space.CHILD_IDS`` (lexicographic ``111``..``444``) ranking higher.
"""

from itertools import combinations

import numpy as np
from scipy.stats import kendalltau


def kendall_tau(a, b) -> float:
    """Kendall's tau between the rankings induced by accuracies ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"kendall_tau: lengths differ ({a.shape} vs {b.shape})")
    return float(kendalltau(a, b).statistic)


def s_tau(rankings) -> dict:
    """The S-Tau summary (Zhang et al. 2020, Eq. 2 and Table 1), the one every report uses: ``s_tau``, the
    mean of the N(N-1)/2 pairwise taus of N rankings (accuracies), their population std ``s_tau_std``, and
    their max and min (Table 1's "Max Tau" and "Min Tau"). The keys are the metric files' columns."""
    rankings = [np.asarray(r, dtype=float) for r in rankings]
    if len(rankings) < 2:
        raise ValueError("s_tau needs at least 2 rankings")
    taus = np.array([kendall_tau(a, b) for a, b in combinations(rankings, 2)])
    return {"s_tau": float(taus.mean()), "s_tau_std": float(taus.std()), "s_tau_max": float(taus.max()),
            "s_tau_min": float(taus.min())}


def gt_tau(acc, gt_acc) -> float:
    """GT-Tau: tau(R, R_gt), an instance's ranking against the ground truth (Sec. 3.2)."""
    return kendall_tau(acc, gt_acc)


def ranks(acc) -> np.ndarray:
    """Rank of each child, 1 = highest accuracy; ties go to the earlier child (stable sort)."""
    acc = np.asarray(acc, dtype=float)
    order = np.argsort(-acc, kind="stable")
    out = np.empty(len(acc), dtype=int)
    out[order] = np.arange(1, len(acc) + 1)
    return out


def top_n(acc, n: int) -> np.ndarray:
    """Indices of the n best children (ties to the earlier child)."""
    return np.argsort(-np.asarray(acc, dtype=float), kind="stable")[:n]


def top_n_rank(acc, gt_acc, n: int) -> int:
    """TnR: the best ground-truth rank (1 = best) among the top-n children of ``acc`` (Sec. 3.2)."""
    return int(ranks(gt_acc)[top_n(acc, n)].min())


def gt_tau_window(acc_by_step, gt_acc, k: int) -> tuple[float, float]:
    """(GT-Tau-Mean-k, GT-Tau-Std-k): mean and population std of GT-Tau over the last k rows of a
    steps x children table (Sec. 4.1)."""
    table = np.asarray(acc_by_step, dtype=float)
    if table.ndim != 2 or len(table) < k:
        raise ValueError(f"gt_tau_window needs a steps x children table with at least {k} rows, got shape {table.shape}")
    taus = [gt_tau(row, gt_acc) for row in table[-k:]]
    return float(np.mean(taus)), float(np.std(taus))


def precision_at_top(acc, gt_acc, fraction: float) -> float:
    """P@Top(fraction) (Lu et al. 2023): the share of the predicted top ceil(fraction * n) children that are
    also in the ground-truth top ceil(fraction * n). For 64 children and 5% that is the top 4."""
    n = len(gt_acc)
    k = max(1, int(np.ceil(fraction * n - 1e-9)))
    return len(set(top_n(acc, k)) & set(top_n(gt_acc, k))) / k


def disturbance_over_interval(acc_by_epoch, interval: int = 13) -> list[dict]:
    """DI-NAS's Figure 3 quantities (Niu et al. 2020, Sec. 5.3): for every epoch i with an epoch i + interval,
    the mean signed and mean absolute accuracy change of the children from i to i + interval (Fig. 3a; the
    paper plots the change, the spec asks for both) and Kendall tau between the two epochs' rankings (Fig. 3b).
    ``acc_by_epoch``: epochs x children, row r = epoch r + 1."""
    table = np.asarray(acc_by_epoch, dtype=float)
    if table.ndim != 2 or len(table) <= interval:
        raise ValueError(f"disturbance_over_interval needs more than {interval} epochs, got shape {table.shape}")
    rows = []
    for i in range(len(table) - interval):
        change = table[i + interval] - table[i]
        rows.append({"epoch": i + 1, "to_epoch": i + 1 + interval, "mean_change": float(change.mean()),
                     "mean_abs_change": float(np.abs(change).mean()), "tau": kendall_tau(table[i], table[i + interval])})
    return rows
