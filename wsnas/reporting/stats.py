"""Paired inference that is valid at the small numbers of instances a search-method comparison has.

Two runs that share seeds instance by instance (``wsnas.plan.searches``) give paired differences d_1..d_n of
a metric (GT-Tau). For them:

- **p**: the two-sided exact sign-flip (randomisation) test of "no difference": under the null hypothesis each
  d_i is symmetric about 0, so every one of the 2^n sign patterns of |d_i| is equally likely, and p is the
  share of patterns whose |mean| is at least the observed one (Fisher 1935, *The Design of Experiments*,
  Sec. 21; Pitman 1937, *J. R. Stat. Soc. Suppl.* 4). Exact up to ``EXACT_MAX`` pairs, Monte Carlo beyond,
  with the valid estimate (1 + hits) / (1 + draws) (Phipson & Smyth 2010, *Stat. Appl. Genet. Mol. Biol.*
  9(1)). Its smallest possible value is 2 / 2^n: 0.5 at n = 2, 0.25 at n = 3, 0.0625 at n = 5, so with
  fewer than 6 pairs no difference can reach p < 0.05 at all.
- **low, high**: the Student-t 95 % interval for the mean difference, mean ± t_{0.975, n-1} · s / sqrt(n)
  (Student 1908), exact under normal differences; its coverage at n = 2..10 is checked by simulation in
  ``tests/test_stats.py``. (A bootstrap percentile interval is not: at n = 3 it is [min d, max d].)
- **mdd**: the minimal detectable difference, the true mean difference that the paired t-test at level
  ``alpha`` detects with probability ``power`` given the measured spread: (t_{1-alpha/2, n-1} + t_{power, n-1})
  · s / sqrt(n) (Cohen 1988, *Statistical Power Analysis*, Ch. 2, with the t quantiles of a small sample).
- **n_needed**: the instances at which the observed mean difference would be detected with that power: the
  smallest n whose noncentral-t power reaches ``power`` and at which the sign-flip test can reach ``alpha``.

``holm`` adjusts a table's p-values for the number of comparisons in it (Holm 1979, *Scand. J. Stat.* 6(2)).
Torch-free: the reporting environment has numpy and scipy only.
"""

import itertools
import math

import numpy as np
from scipy import stats as scipy_stats

#: Up to this many pairs the sign-flip test enumerates all 2^n patterns; beyond it, Monte Carlo.
EXACT_MAX = 16
#: Cap of ``n_needed``: a difference that would need more instances is reported as this many.
N_NEEDED_CAP = 10_000


def sign_flip_p(differences, resamples: int = 100_000, seed: int = 0) -> float:
    """Two-sided p of the sign-flip test of mean(differences) = 0 (see the module docstring)."""
    d = np.abs(np.asarray(differences, dtype=float))
    n = len(d)
    if n == 0:
        return math.nan
    observed = abs(float(np.sum(np.asarray(differences, dtype=float))))
    tolerance = 1e-12 * max(1.0, float(d.sum()))  # equal sums that differ only by rounding count as equal
    if n <= EXACT_MAX:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=n)))
        return float(np.mean(np.abs(signs @ d) >= observed - tolerance))
    rng = np.random.default_rng(seed)
    hits = sum(int(np.sum(np.abs(rng.choice((1.0, -1.0), size=(block, n)) @ d) >= observed - tolerance))
               for block in _blocks(resamples))
    return (1 + hits) / (1 + resamples)


def _blocks(total: int, size: int = 20_000):
    while total > 0:
        yield min(size, total)
        total -= size


def smallest_p(n: int) -> float:
    """The smallest two-sided p the exact sign-flip test can give with ``n`` pairs."""
    return min(1.0, 2.0 / 2 ** n)


def t_interval(differences, level: float = 0.95) -> tuple[float, float]:
    """Student-t interval for the mean of ``differences`` (NaN for fewer than 2)."""
    d = np.asarray(differences, dtype=float)
    n = len(d)
    if n < 2:
        return math.nan, math.nan
    half = scipy_stats.t.ppf(0.5 + level / 2, n - 1) * d.std(ddof=1) / math.sqrt(n)
    return float(d.mean() - half), float(d.mean() + half)


def minimal_detectable_difference(sd: float, n: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """The true mean difference a two-sided paired t-test at ``alpha`` detects with probability ``power``
    from ``n`` pairs whose differences have standard deviation ``sd`` (NaN for fewer than 2 pairs)."""
    if n < 2 or not np.isfinite(sd):
        return math.nan
    return float((scipy_stats.t.ppf(1 - alpha / 2, n - 1) + scipy_stats.t.ppf(power, n - 1)) * sd / math.sqrt(n))


def t_test_power(effect: float, n: int, alpha: float = 0.05) -> float:
    """Power of the two-sided one-sample t-test at ``alpha`` with ``n`` pairs for the standardised effect
    ``effect`` = |mean| / sd (noncentral t)."""
    df, shift = n - 1, abs(effect) * math.sqrt(n)
    critical = scipy_stats.t.ppf(1 - alpha / 2, df)
    return float(scipy_stats.nct.sf(critical, df, shift) + scipy_stats.nct.cdf(-critical, df, shift))


def instances_needed(mean: float, sd: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """The smallest number of pairs at which a true mean difference ``mean`` with spread ``sd`` is detected
    with probability ``power`` (paired t-test at ``alpha``), and at which the sign-flip test can reach
    ``alpha`` at all; ``N_NEEDED_CAP`` when it would take more (or ``mean`` is 0)."""
    floor = next(n for n in itertools.count(2) if smallest_p(n) < alpha)
    if not np.isfinite(mean) or not np.isfinite(sd) or mean == 0:
        return N_NEEDED_CAP
    if sd == 0:
        return floor
    effect = abs(mean) / sd
    low, high = 2, N_NEEDED_CAP
    if t_test_power(effect, high, alpha) < power:
        return N_NEEDED_CAP
    while low < high:  # power grows with n: bisect for the first n that reaches it
        mid = (low + high) // 2
        low, high = (mid + 1, high) if t_test_power(effect, mid, alpha) < power else (low, mid)
    return max(low, floor)


def paired_comparison(differences, alpha: float = 0.05, power: float = 0.8, resamples: int = 100_000,
                      seed: int = 0) -> dict:
    """Everything Table 5 says about one set of paired differences: ``n``, ``mean``, ``sd`` (sample),
    ``low``/``high`` (Student-t 95 % interval), ``p`` (exact sign-flip test, unadjusted), ``mdd`` (minimal
    detectable difference at ``power``) and ``n_needed`` (pairs to detect the observed mean at ``power``);
    ``identical`` when every difference is exactly 0 (a control that reproduces the other run)."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n == 0:
        return {"n": 0, "mean": math.nan, "sd": math.nan, "low": math.nan, "high": math.nan, "p": math.nan,
                "mdd": math.nan, "n_needed": math.nan, "identical": False}
    mean, sd = float(d.mean()), float(d.std(ddof=1)) if n > 1 else math.nan
    low, high = t_interval(d)
    return {"n": n, "mean": mean, "sd": sd, "low": low, "high": high, "p": sign_flip_p(d, resamples, seed),
            "mdd": minimal_detectable_difference(sd, n, alpha, power),
            "n_needed": instances_needed(mean, sd, alpha, power), "identical": bool(np.all(d == 0))}


def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN entries are not tests and stay NaN): the family-wise error
    rate stays at most alpha when every adjusted p below alpha is called a difference."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(len(p), np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = len(tested)
    running = 0.0
    for step, i in enumerate(tested[np.argsort(p[tested], kind="stable")]):
        running = max(running, min(1.0, (m - step) * p[i]))
        adjusted[i] = running
    return adjusted
