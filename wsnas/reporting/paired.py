"""The paired comparisons of Table 5: every search run against the baseline, ranking by ranking, and the
direct contrasts of ``comparison.contrasts`` (a remedy against the control that differs from it in one
mechanism), each tested on its GT-Tau differences instance by instance (``wsnas.reporting.stats``) and
given a verdict after Holm's adjustment over every test in the table.

Pairing: two runs' instances share seeds (``wsnas.plan.searches``), so instance i of one is paired with
instance i of the other, and a ranking is paired with the other run's ranking of the same kind (BN mode). A
ranking the other run does not offer (a method's own ranking, ``Declaration.rankings``, e.g. by architecture parameters) is paired with
each of the other's BN modes, one comparison each, so no row depends on a mode nobody chose.
"""

import numpy as np
import pandas as pd

from wsnas.reporting import stats

#: What a comparison's ``verdict`` column can say besides "better" and "worse".
IDENTICAL, NO_EVIDENCE, NOT_PAIRED = "identical", "no evidence of a difference", "not paired"
#: The columns of ``comparisons``, in order (the CSV ``reports/tables/table5_comparisons.csv``).
COLUMNS = ["kind", "run", "ranking", "against", "against_ranking", "n", "diff", "diff_sd", "diff_low", "diff_high",
           "p", "p_holm", "mdd", "n_needed", "verdict"]


def too_few(n: int) -> str:
    return f"too few instances (n = {n})"


def ranking_pairs(mine, theirs, bn_modes) -> list[tuple[str, str]]:
    """(my ranking, their ranking) pairs: the rankings both offer with themselves, a ranking only one side
    offers with each of the other side's BN modes."""
    mine, theirs = list(mine), list(theirs)
    pairs = [(r, r) for r in mine if r in theirs]
    pairs += [(r, b) for r in mine if r not in theirs for b in bn_modes if b in theirs]
    pairs += [(a, r) for r in theirs if r not in mine for a in bn_modes if a in mine]
    return pairs


def planned(config: dict, rankings: dict) -> list[dict]:
    """Every comparison of the table: each search run but the baseline against the baseline, then each
    contrast of ``comparison.contrasts``, over their ranking pairs (``rankings``: run -> its rankings)."""
    c = config["comparison"]
    pairs = [("baseline", run, c["baseline"]) for run in config["searches"] if run != c["baseline"] and run in rankings]
    pairs += [("contrast", contrast["run"], contrast["against"]) for contrast in c["contrasts"]]
    return [{"kind": kind, "run": run, "ranking": mine, "against": against, "against_ranking": theirs}
            for kind, run, against in pairs
            for mine, theirs in ranking_pairs(rankings[run], rankings[against], c["bn_modes"])]


def differences(per_instance: pd.DataFrame, plan: dict, metric: str = "gt_tau") -> np.ndarray:
    """``metric`` of the run's instances minus the other run's, over the instances both have."""
    def series(run, ranking):
        rows = per_instance[(per_instance["run"] == run) & (per_instance["bn_mode"] == ranking)]
        return rows.set_index("instance")[metric]

    both = pd.concat({"mine": series(plan["run"], plan["ranking"]),
                      "theirs": series(plan["against"], plan["against_ranking"])}, axis=1).dropna()
    return (both["mine"] - both["theirs"]).to_numpy(dtype=float)


def verdict(n: int, mean: float, p_holm: float, identical: bool, alpha: float, min_pairs: int) -> str:
    """Better or worse only when the Holm-adjusted p is below ``alpha`` with at least ``min_pairs`` pairs."""
    if n == 0:
        return NOT_PAIRED
    if identical:
        return IDENTICAL
    if n < min_pairs:
        return too_few(n)
    if p_holm < alpha:
        return "better" if mean > 0 else "worse"
    return NO_EVIDENCE


def comparisons(config: dict, per_instance: pd.DataFrame) -> pd.DataFrame:
    """The table's comparisons (``COLUMNS``) from every run's per-instance metrics. The Holm family is every
    comparison with at least ``comparison.min_pairs`` pairs that is not identical; the minimal detectable
    difference and the instances needed are at the table's strictest level, alpha / (every comparison in
    the table), which Holm's first step asks of the smallest p."""
    c = config["comparison"]
    rankings = {run: list(dict.fromkeys(rows["bn_mode"])) for run, rows in per_instance.groupby("run", sort=False)}
    plans = planned(config, rankings)
    strictest = c["alpha"] / max(1, len(plans))
    rows = []
    for plan in plans:
        result = stats.paired_comparison(differences(per_instance, plan), alpha=strictest, power=c["power"],
                                         resamples=c["permutations"], seed=c["permutation_seed"])
        rows.append({**plan, "n": result["n"], "diff": result["mean"], "diff_sd": result["sd"],
                     "diff_low": result["low"], "diff_high": result["high"], "p": result["p"], "mdd": result["mdd"],
                     "n_needed": result["n_needed"], "identical": result["identical"]})
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "identical"])
    tested = (frame["n"] >= c["min_pairs"]) & ~frame["identical"].astype(bool)
    frame["p_holm"] = stats.holm(frame["p"].where(tested))
    frame["verdict"] = [verdict(int(r.n), r.diff, r.p_holm, bool(r.identical), c["alpha"], c["min_pairs"])
                        for r in frame.itertuples()]
    return frame[COLUMNS]
