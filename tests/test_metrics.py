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


def test_top_n_rank_hand_case_and_tie_rule():
    gt = [0.9, 0.8, 0.7, 0.6, 0.5]  # gt ranks 1..5
    acc = [0.1, 0.2, 0.3, 0.9, 0.8]  # predicted best: child 3 (gt 4), then child 4 (gt 5), then child 2 (gt 3)
    assert metrics.top_n_rank(acc, gt, 1) == 4
    assert metrics.top_n_rank(acc, gt, 2) == 4
    assert metrics.top_n_rank(acc, gt, 3) == 3
    # ties: the earlier child wins, both in the prediction and in the ground truth
    assert list(metrics.ranks([0.5, 0.7, 0.7, 0.1])) == [3, 1, 2, 4]
    assert metrics.top_n_rank([0.3, 0.3, 0.1], [0.1, 0.9, 0.5], 1) == 3


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
