"""Ranking metrics of Zhang et al. 2020 (Sec. 3.2, Sec. 4) and the precision at top of Lu et al. 2023 (Sec. 5).

All inputs are accuracies per child (the same 64-child order in every argument); rankings are derived
from them. Kendall tau is ``scipy.stats.kendalltau`` (tau-b, which equals tau-a when there are no ties).

Ranks: rank 1 is the best (highest accuracy). Accuracies on a finite ranking set tie often (1,078 images
give 1,079 possible values), and breaking ties by child order would favour the ``1xx`` children. So every
metric that depends on an order is its expectation over all orderings of the tied scores, computed exactly:
a tied child's rank is the mean of the ranks its group spans (``ranks``), a child of the group straddling
the top-n boundary is in the top n with probability (free places) / (group size) (``top_probabilities``),
and TnR and P@Top5% are expectations over those orderings (``top_n_rank``, ``precision_at_top``). Where one
concrete child is needed (the pick that final retraining trains), ``top_n`` breaks ties by a seeded random
order, never by child order.
"""

from itertools import combinations
from math import comb

import numpy as np

# scipy.stats is imported where it is used: the Snakefile imports this module (via wsnas.reporting.tables) and
# would otherwise pay its import, about a second, in every Snakemake invocation.


def kendall_tau(a, b) -> float:
    """Kendall's tau between the rankings induced by accuracies ``a`` and ``b``."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"kendall_tau: lengths differ ({a.shape} vs {b.shape})")
    from scipy.stats import kendalltau

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
    """Rank of each child, 1 = highest accuracy; tied children share the mean of the ranks they span (their
    expected rank over the orderings of the tie), so ranks can be halves."""
    from scipy.stats import rankdata

    return rankdata(-np.asarray(acc, dtype=float), method="average")


def top_n(acc, n: int, seed: int = 0) -> np.ndarray:
    """Indices of the n best children, best first, ties in a random order drawn from ``seed`` (the same
    seed, the same order; never the child order)."""
    acc = np.asarray(acc, dtype=float)
    tie_break = np.random.default_rng(seed).permutation(len(acc))
    return np.lexsort((tie_break, -acc))[:n]


def top_probabilities(acc, n: int) -> np.ndarray:
    """P(child i is among the n best) over all orderings of tied scores: 1 above the n-th best score, 0
    below it, and (free places) / (group size) for the children tied at it."""
    above, tied = _boundary(acc, n)
    return np.where(above, 1.0, np.where(tied, (n - above.sum()) / tied.sum(), 0.0))


def _boundary(acc, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the children certainly among the n best (above the n-th best score) and of those tied at it."""
    acc = np.asarray(acc, dtype=float)
    threshold = np.sort(acc)[::-1][n - 1]
    return acc > threshold, acc == threshold


def top_n_rank(acc, gt_acc, n: int) -> float:
    """TnR (Sec. 3.2): the best ground-truth rank (1 = best) among the top-n children of ``acc``, expected
    over the orderings of tied scores in ``acc`` (exact: of a tie group of g children of which r enter the
    top n, the j-th best in ground truth is the group's best entrant with probability C(g-j, r-1) / C(g, r)).
    Ground-truth ties take their mean rank (``ranks``)."""
    gt_rank = ranks(gt_acc)
    above, tied = _boundary(acc, n)
    certain = gt_rank[above].min() if above.any() else np.inf
    group = np.sort(gt_rank[tied])
    g, r = len(group), n - int(above.sum())
    return float(sum(comb(g - j, r - 1) / comb(g, r) * min(certain, group[j - 1]) for j in range(1, g + 1)))


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
    also in the ground-truth top ceil(fraction * n), for 64 children and 5% the top 4; expected over the
    orderings of tied scores on both sides (independent tie orders: sum of P(in both tops) / k)."""
    n = len(gt_acc)
    k = max(1, int(np.ceil(fraction * n - 1e-9)))
    return float(np.sum(top_probabilities(acc, k) * top_probabilities(gt_acc, k)) / k)


def pick_expectations(acc, gt_acc) -> dict:
    """The pick (the top-1 child) against the ground truth, expected over the orderings of children tied at
    the top: its ground-truth rank and accuracy, its regret (the best ground-truth accuracy minus the pick's)
    and how many children tie for the top (``pick_ties``)."""
    gt = np.asarray(gt_acc, dtype=float)
    p = top_probabilities(acc, 1)
    accuracy = float(p @ gt)
    return {"pick_gt_rank": float(p @ ranks(gt)), "pick_gt_acc": accuracy, "regret": float(gt.max() - accuracy),
            "pick_ties": int(np.count_nonzero(p))}


def disturbance_over_interval(acc_by_epoch, interval: int = 13) -> list[dict]:
    """The disturbance quantities of Niu et al. 2020 (Sec. 5.3, Figure 3): for every epoch i with an epoch i + interval,
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
