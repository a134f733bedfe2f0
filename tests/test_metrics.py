import numpy as np
import pytest

from wsnas.reporting import metrics


def test_kendall_tau_hand_cases():
    assert metrics.kendall_tau([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1.0)
    assert metrics.kendall_tau([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    # one discordant pair out of 6: (6 - 2*1) / 6
    assert metrics.kendall_tau([1, 2, 3, 4], [1, 2, 4, 3]) == pytest.approx(4 / 6)


def test_s_tau_is_mean_max_min_of_pairwise_taus():
    a, b, c = [1, 2, 3, 4], [1, 2, 4, 3], [4, 3, 2, 1]
    # tau(a,b)=4/6, tau(a,c)=-1, tau(b,c)=-4/6
    out = metrics.s_tau([a, b, c])
    assert out["s_tau"] == pytest.approx((4 / 6 - 1 - 4 / 6) / 3)
    assert out["s_tau_std"] == pytest.approx(np.std([4 / 6, -1, -4 / 6]))
    assert out["s_tau_max"] == pytest.approx(4 / 6)
    assert out["s_tau_min"] == pytest.approx(-1)
    with pytest.raises(ValueError):
        metrics.s_tau([a])


def test_top_n_rank_hand_case():
    gt = [0.9, 0.8, 0.7, 0.6, 0.5]  # gt ranks 1..5
    acc = [0.1, 0.2, 0.3, 0.9, 0.8]  # predicted best: child 3 (gt 4), then child 4 (gt 5), then child 2 (gt 3)
    assert metrics.top_n_rank(acc, gt, 1) == 4
    assert metrics.top_n_rank(acc, gt, 2) == 4
    assert metrics.top_n_rank(acc, gt, 3) == 3


def _orderings(acc):
    """Every strict ordering of ``acc`` that breaks its ties, as perturbed score vectors (brute force)."""
    from itertools import permutations

    acc = np.asarray(acc, dtype=float)
    for order in permutations(range(len(acc))):
        yield acc + 1e-9 * np.argsort(order)


def test_ties_take_the_expectation_over_all_orderings():
    """Hand-made tied inputs: tied children share their mean rank, and TnR, P@Top and the pick's numbers are
    the exact mean over every ordering of the tied scores (checked against brute force over all orderings),
    not the child order's answer."""
    assert list(metrics.ranks([0.5, 0.7, 0.7, 0.1])) == [3, 1.5, 1.5, 4]
    # two tied for the top, gt ranks 3 and 1: T1R is 2 in expectation (child order would say 3)
    assert metrics.top_n_rank([0.3, 0.3, 0.1], [0.1, 0.9, 0.5], 1) == pytest.approx(2.0)
    gt = [0.9, 0.1, 0.5, 0.7, 0.3, 0.8]
    for acc, n in (([0.4, 0.4, 0.4, 0.9, 0.4, 0.1], 3), ([0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 1),
                   ([0.5, 0.6, 0.6, 0.6, 0.1, 0.6], 2), ([0.5, 0.6, 0.6, 0.6, 0.1, 0.6], 4)):
        brute = [metrics.top_n_rank(o, gt, n) for o in _orderings(acc)]
        assert metrics.top_n_rank(acc, gt, n) == pytest.approx(np.mean(brute)), (acc, n)
        shares = np.mean([np.isin(np.arange(6), np.argsort(-o)[:n]) for o in _orderings(acc)], axis=0)
        assert metrics.top_probabilities(acc, n) == pytest.approx(shares)
    # a constant ranking (every child tied): the pick's regret is the mean regret of a random child
    flat = np.full(6, 0.5)
    pick = metrics.pick_expectations(flat, gt)
    assert pick["regret"] == pytest.approx(0.9 - np.mean(gt)) and pick["pick_ties"] == 6
    assert pick["pick_gt_rank"] == pytest.approx(3.5)


def test_precision_at_top_with_ties_on_both_sides():
    gt = np.arange(64, dtype=float)
    acc = gt.copy()
    acc[[63, 62, 61, 60, 59]] = 100.0  # five children tie for the predicted top 4: 4 of them true top 4
    assert metrics.precision_at_top(acc, gt, 0.05) == pytest.approx(4 * (4 / 5) / 4)
    tied_gt = gt.copy()
    tied_gt[[60, 59]] = 60.0  # the ground truth's 4th place is a tie of two
    assert metrics.precision_at_top(gt, tied_gt, 0.05) == pytest.approx((3 + 0.5) / 4)


def test_top_n_breaks_ties_by_a_seeded_order_not_child_order():
    acc = np.zeros(64)
    firsts = {int(metrics.top_n(acc, 1, seed=s)[0]) for s in range(20)}
    assert len(firsts) > 5  # not always child 111
    assert list(metrics.top_n(acc, 5, seed=3)) == list(metrics.top_n(acc, 5, seed=3))
    assert list(metrics.top_n([0.1, 0.9, 0.5], 3, seed=0)) == [1, 2, 0]


def test_gt_tau_window_mean_and_population_std():
    gt = [1, 2, 3, 4]
    table = [[4, 3, 2, 1], [1, 2, 3, 4], [1, 2, 4, 3], [1, 2, 3, 4]]
    mean, std = metrics.gt_tau_window(table, gt, 3)
    taus = [1, 4 / 6, 1]
    assert mean == pytest.approx(np.mean(taus))
    assert std == pytest.approx(np.std(taus))  # population std (ddof = 0)
    with pytest.raises(ValueError):
        metrics.gt_tau_window(table, gt, 5)


def test_precision_at_top_5_percent_of_64_is_top_4():
    gt = np.arange(64, dtype=float)  # best: 63, 62, 61, 60
    acc = gt.copy()
    acc[[63, 62]] = -1  # two of the true top 4 fall out of the predicted top 4
    assert metrics.precision_at_top(acc, gt, 0.05) == pytest.approx(0.5)
    assert metrics.precision_at_top(gt, gt, 0.05) == 1.0


def test_disturbance_over_interval_is_figure_3_of_di_nas():
    """Niu et al. 2020, Fig. 3: accuracy change and ranking agreement between epochs i and i + 13."""
    from wsnas.reporting.metrics import disturbance_over_interval

    rng = np.random.default_rng(0)
    base = rng.random(64)
    table = np.stack([base + 0.01 * e for e in range(15)])  # every child gains 0.01 per epoch: same ranking
    table[14, :2] = table[14, [1, 0]]  # one swap at the last epoch
    rows = disturbance_over_interval(table, 13)
    assert [(r["epoch"], r["to_epoch"]) for r in rows] == [(1, 14), (2, 15)]
    assert rows[0]["mean_change"] == pytest.approx(0.13) and rows[0]["mean_abs_change"] == pytest.approx(0.13)
    assert rows[0]["tau"] == pytest.approx(1.0) and rows[1]["tau"] < 1.0
    assert rows[1]["mean_change"] == pytest.approx(0.13)  # a swap moves no mean
    with pytest.raises(ValueError, match="more than 13 epochs"):
        disturbance_over_interval(table[:13], 13)
