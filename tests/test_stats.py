"""Paired inference at small n (wsnas.reporting.stats): exact p-values on hand-made inputs, and the interval's
coverage and the test's false-positive rate by simulation with fixed seeds (statistical facts, not timing)."""

import itertools

import numpy as np
import pytest

from wsnas.reporting import stats


def test_exact_sign_flip_p_values_by_hand():
    # three positive differences: 2 of the 8 sign patterns (all +, all -) reach |sum| = 0.06
    assert stats.sign_flip_p([0.01, 0.02, 0.03]) == pytest.approx(2 / 8)
    # [1, 2, -0.5]: |sum| 2.5; patterns with |±1 ±2 ±0.5| >= 2.5: (1, 2, ±0.5) and their negatives -> 4 of 8
    assert stats.sign_flip_p([1.0, 2.0, -0.5]) == pytest.approx(4 / 8)
    # one difference: both signs reach it
    assert stats.sign_flip_p([0.3]) == 1.0
    # six positive differences: the smallest possible p, 2 / 64
    assert stats.sign_flip_p(np.arange(1, 7) / 10) == pytest.approx(2 / 64) == stats.smallest_p(6)
    # all zero: every pattern ties the observed 0
    assert stats.sign_flip_p([0.0, 0.0, 0.0]) == 1.0


def test_sign_flip_p_matches_a_brute_force_count():
    d = np.array([0.12, -0.05, 0.3, 0.07, -0.2, 0.11, 0.04])
    count = sum(abs(sum(s * x for s, x in zip(signs, d))) >= abs(d.sum()) - 1e-12
                for signs in itertools.product((1, -1), repeat=len(d)))
    assert stats.sign_flip_p(d) == pytest.approx(count / 2 ** len(d))


def test_monte_carlo_beyond_16_pairs_is_close_to_exact_and_never_zero():
    rng = np.random.default_rng(3)
    d = rng.normal(0.05, 0.2, 20)
    exact = np.mean([abs(np.dot(s, d)) >= abs(d.sum()) - 1e-12
                     for s in (rng.choice((1, -1), 20) for _ in range(50_000))])
    assert stats.sign_flip_p(d, resamples=50_000, seed=1) == pytest.approx(exact, abs=0.01)
    assert stats.sign_flip_p(np.full(30, 0.1), resamples=2000) == pytest.approx(1 / 2001)


def test_three_positive_differences_are_no_evidence():
    out = stats.paired_comparison([0.01, 0.02, 0.03])
    assert out["n"] == 3 and out["mean"] == pytest.approx(0.02)
    assert out["p"] == pytest.approx(0.25) and out["low"] < 0.0 < out["high"]  # t(0.975, 2) = 4.30 widens it past 0
    half = 4.302652729911275 * 0.01 / np.sqrt(3)
    assert (out["low"], out["high"]) == pytest.approx((0.02 - half, 0.02 + half))


def test_coverage_of_the_t_interval_at_small_n_by_simulation():
    """Under no effect (normal differences) the 95 % interval covers 0 about 95 % of the time at every n from
    2 to 10, where the old percentile bootstrap covered it about 50 % (n = 2) and 76 % (n = 3)."""
    rng = np.random.default_rng(0)
    for n in (2, 3, 5, 10):
        draws = rng.normal(0.0, 0.2, (4000, n))
        covered = np.mean([low <= 0.0 <= high for low, high in map(stats.t_interval, draws)])
        assert 0.935 <= covered <= 0.965, (n, covered)
    # the percentile bootstrap on the same draws at n = 3 covers far less (its interval is [min d, max d])
    draws = rng.normal(0.0, 0.2, (4000, 3))
    assert np.mean((draws.min(axis=1) <= 0) & (draws.max(axis=1) >= 0)) < 0.8


def test_false_positive_rate_of_the_sign_flip_test_by_simulation():
    """Under no effect the test rejects at 0.05 no more often than 5 %, heavy tails included."""
    rng = np.random.default_rng(1)
    for n, tails in ((6, "normal"), (8, "t2"), (12, "normal")):
        samples = rng.normal(0.0, 0.3, (2000, n)) if tails == "normal" else 0.3 * rng.standard_t(2, (2000, n))
        rejected = np.mean([stats.sign_flip_p(d) < 0.05 for d in samples])
        assert rejected <= 0.06, (n, rejected)
    # at n = 5 it can never reject: its smallest p is 0.0625
    assert stats.smallest_p(5) > 0.05 and stats.sign_flip_p([0.1, 0.2, 0.3, 0.4, 0.5]) == pytest.approx(0.0625)


def test_the_test_has_power_where_the_minimal_detectable_difference_says():
    """A true difference equal to the MDD at n = 10 is detected (p < 0.05) in about 80 % of simulated studies
    (the sign-flip test is close to the t-test it is planned with; a little less at n = 10)."""
    rng = np.random.default_rng(2)
    sd, n = 0.1, 10
    mdd = stats.minimal_detectable_difference(sd, n)
    detected = np.mean([stats.sign_flip_p(d) < 0.05 for d in rng.normal(mdd, sd, (1500, n))])
    assert 0.7 <= detected <= 0.86, detected


def test_instances_needed_and_minimal_detectable_difference():
    # a standardised effect of 1 needs 10 pairs for 80 % power with the paired t-test (tables: n = 10)
    assert stats.instances_needed(0.1, 0.1) == 10
    assert stats.t_test_power(1.0, 10) >= 0.8 > stats.t_test_power(1.0, 9)
    # a large effect still needs 6 pairs: the exact sign-flip test cannot reach 0.05 with fewer
    assert stats.instances_needed(1.0, 0.01) == 6
    assert stats.instances_needed(0.0, 0.1) == stats.N_NEEDED_CAP
    # the MDD shrinks with n and grows with the spread
    assert stats.minimal_detectable_difference(0.1, 20) < stats.minimal_detectable_difference(0.1, 10)
    assert np.isnan(stats.minimal_detectable_difference(0.1, 1))


def test_holm_adjustment_by_hand():
    adjusted = stats.holm([0.01, 0.04, np.nan, 0.03])
    # sorted 0.01, 0.03, 0.04 over m = 3: 0.03, max(0.03, 0.06), max(0.06, 0.04) -> 0.03, 0.06, 0.06
    assert adjusted[0] == pytest.approx(0.03) and adjusted[3] == pytest.approx(0.06) and adjusted[1] == pytest.approx(0.06)
    assert np.isnan(adjusted[2])
    assert stats.holm([0.5, 0.9])[1] == 1.0


def test_identical_runs_and_empty_pairs():
    assert stats.paired_comparison([0.0, 0.0])["identical"]
    assert stats.paired_comparison([])["n"] == 0
    one = stats.paired_comparison([0.2])
    assert one["n"] == 1 and np.isnan(one["low"]) and one["p"] == 1.0
