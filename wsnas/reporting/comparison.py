"""The reviewers' report: every number of Tables 1-4, the paper's value beside ours, the difference and a
verdict, generated from the tables' long forms (``reports/paper_comparison.{md,html}``).

Verdict: where the paper gives a spread (± std over instances), ours agrees when
|ours - paper| <= 2 * sqrt(std_paper^2 + std_ours^2), two standard deviations of the difference of two
noisy estimates. Where it gives none (Table 1's S-Tau, max and min tau), the tolerance is 0.10 for a tau
and 5 places for a rank. With ``reference.ground_truth`` set (the authors' published standalone means),
the report also compares our ground truth with theirs and gives each experiment's GT-Tau against both.
With search runs, a Remedies section gives each run's pick, regret, cost and paper quote, and one sentence per
comparison of Table 5, generated from its numbers (``finding``): no claim in it is typed by hand.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.errors import WsnasError
from wsnas.reporting import analysis, metrics, paired, paper, stats
from wsnas.reporting.methods_table import ranking_text
from wsnas.reporting.results import CHILDREN, read_ground_truth
from wsnas.reporting.tables import RANK_METRICS, format_mean_std, read_long

TAU_TOLERANCE, RANK_TOLERANCE = 0.10, 5.0


def read_tables(paths) -> pd.DataFrame:
    """The long forms of the tables' CSVs, one after the other."""
    return pd.concat([read_long(p) for p in paths], ignore_index=True)


def verdict(ours, ours_std, paper, paper_std, metric) -> str:
    if pd.isna(paper):
        return "no paper value"
    if pd.isna(ours):
        return "not computed"
    diff = abs(ours - paper)
    if not pd.isna(paper_std):
        bound = 2 * np.hypot(paper_std, 0.0 if pd.isna(ours_std) else ours_std)
        return "agrees (within 2σ)" if diff <= bound else "differs"
    tolerance = RANK_TOLERANCE if metric in RANK_METRICS else TAU_TOLERANCE
    return f"agrees (within {tolerance:g})" if diff <= tolerance else "differs"


def compare(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["difference"] = out["ours"] - out["paper"]
    out["verdict"] = [verdict(*v) for v in zip(out["ours"], out["ours_std"], out["paper"], out["paper_std"], out["metric"])]
    return out


def read_reference(path) -> np.ndarray:
    """The 64 reference means in CHILDREN order: a whitespace-separated text file (the authors'
    gt_mean.txt), a folder holding one, or a CSV with child and mean columns."""
    p = Path(path)
    if p.is_dir():
        p = p / "gt_mean.txt"
    if not p.is_file():
        raise WsnasError(f"config key reference.ground_truth: {path} does not exist; point it at the authors' gt_mean.txt or set it to null")
    if p.suffix == ".csv":
        return read_ground_truth(p)
    try:
        values = np.array(p.read_text().split(), dtype=float)
    except ValueError:
        values = np.array([])
    if len(values) != len(CHILDREN):
        raise WsnasError(f"config key reference.ground_truth: {p} must hold 64 numbers (children 111..444), found {len(values)}")
    return values


def reference_section(config, gt_mean, final_accuracies: dict[str, list]) -> str:
    """Markdown: our ground truth vs the reference, and each experiment's GT-Tau against both."""
    ref = read_reference(config["reference"]["ground_truth"])
    lines = [f"## Ground truth against the reference ({config['reference']['ground_truth']})", "",
             f"Kendall tau between our ground-truth means and the reference: **{metrics.kendall_tau(gt_mean, ref):.4f}** "
             f"(best child: ours {CHILDREN[int(np.argmax(gt_mean))]}, reference {CHILDREN[int(np.argmax(ref))]}).", "",
             "| experiment | GT-Tau vs our ground truth | GT-Tau vs reference | instances |", "|---|---|---|---|"]
    for label, finals in final_accuracies.items():
        ours = analysis.mean_std([metrics.gt_tau(f, gt_mean) for f in finals])
        theirs = analysis.mean_std([metrics.gt_tau(f, ref) for f in finals])
        lines.append(f"| {label} | {ours[0]:.4f} ± {ours[1]:.4f} | {theirs[0]:.4f} ± {theirs[1]:.4f} | {len(finals)} |")
    return "\n".join(lines)


def _number(value, digits: int = 3) -> str:
    return f"{value:+.{digits}f}"


def finding(r, labels: dict, c: dict) -> str:
    """One sentence of what comparison ``r`` (a row of Table 5's comparisons CSV) shows, generated from its
    numbers: the difference, its interval, the adjusted p and the verdict, or why there is no verdict and how
    many instances a conclusive answer would need (``c``: the config's comparison section)."""
    who = f"**{labels.get(r['run'], r['run'])}** ({ranking_text(r['ranking'], r['against_ranking'])}) against " \
          f"{labels.get(r['against'], r['against'])}"
    n = int(r["n"])
    if r["verdict"] == paired.NOT_PAIRED:
        return f"{who}: no instance in common, so nothing is paired."
    if r["verdict"] == paired.IDENTICAL:
        return f"{who}: identical GT-Tau in all {n} instances (every difference is exactly 0)."
    interval = "no interval from one pair" if pd.isna(r["diff_low"]) else \
        f"95 % CI [{_number(r['diff_low'])}, {_number(r['diff_high'])}]"
    measured = f"ΔGT-Tau {_number(r['diff'])} ({interval}, n = {n})"
    needed = ("more than {:,} instances".format(stats.N_NEEDED_CAP) if r["n_needed"] >= stats.N_NEEDED_CAP
              else f"about {int(r['n_needed'])} instances")
    if r["verdict"] in ("better", "worse"):
        return (f"{who}: {measured}, sign-flip p = {r['p']:.3g}, Holm-adjusted {r['p_holm']:.3g} < {c['alpha']:g}: "
                f"ranks {r['verdict']}.")
    if r["verdict"] == paired.too_few(n):
        return (f"{who}: {measured}; too few instances for a verdict (fewer than {c['min_pairs']}). At the spread "
                f"measured, a conclusive answer on a difference of this size would need {needed}.")
    floor = (f" With {n} pairs the exact test cannot go below p = {stats.smallest_p(n):.3g}."
             if stats.smallest_p(n) >= c["alpha"] else "")
    return (f"{who}: {measured}, sign-flip p = {r['p']:.3g}, Holm-adjusted {r['p_holm']:.3g}: no evidence of a "
            f"difference. The smallest difference detectable at {c['power']:.0%} power is {r['mdd']:.3f}; the "
            f"observed one would need {needed}.{floor}")


def remedies_section(config: dict, table5, comparisons) -> str:
    """Markdown: every method run of Table 5 (its long form ``table5``) in the first BN mode and by any ranking
    of its own, and seed 002's remedies, with pick, regret, retrained accuracy, cost and what the
    method's paper reports; then one generated sentence per comparison with the baseline in the first BN
    mode and per contrast (``comparisons``: Table 5's comparisons CSV), and a count of the verdicts in the
    other BN modes."""
    c = config["comparison"]
    frame = pd.read_csv(table5, dtype={"pick_mode": str})
    compared = pd.read_csv(comparisons)
    first = c["bn_modes"][0]
    labels = dict(zip(frame["run"], frame["label"]))
    own = ~frame["bn_mode"].isin(c["bn_modes"])  # a method's own rankings (by architecture parameters, say)
    rows = frame[(frame["bn_mode"] == first) | own | frame["paired"].isna()]
    own_rankings = set(frame.loc[own, "bn_mode"])
    lines = ["## Remedies", "",
             f"Every method run against the same ground truth (Table 5; BN mode {first}, methods with a ranking of "
             "their own (by architecture parameters) also by it, seed 002's remedies in their dense-evaluation mode). The papers' own "
             "numbers were measured elsewhere unless marked same benchmark.", "",
             "| run | ranking | n | GT-Tau | pick (most common) | regret | retrained acc. | cost × baseline "
             "| paper reports | same benchmark |", "|---|---|---|---|---|---|---|---|---|---|"]
    for _, r in rows.iterrows():
        retrained = format_mean_std(r["retrained_acc"], r["retrained_acc_std"]) if "retrained_acc" in r else "–"
        lines.append(f"| {r['label']} | {r['bn_mode']} | {int(r['instances'])} | "
                     f"{format_mean_std(r['gt_tau'], r['gt_tau_std'])} | {r['pick_mode']} | "
                     f"{format_mean_std(r['regret'], r['regret_std'])} | {retrained} | {r['train_cost_ratio']:.2f} | "
                     f"{'' if pd.isna(r['paper']) else r['paper']} | "
                     f"{'' if pd.isna(r['same_benchmark']) else r['same_benchmark']} |")
    tests = int(compared["p_holm"].notna().sum())
    lines += ["", "### What the comparisons show", "",
              f"Generated from `reports/tables/table5_comparisons.csv`: GT-Tau differences paired instance by "
              f"instance, a Student-t 95 % interval, the exact sign-flip test Holm-adjusted over the {tests} "
              f"comparisons of Table 5 with at least {c['min_pairs']} pairs, and a verdict only when the adjusted "
              f"p is below {c['alpha']:g}.", ""]
    shown = compared[((compared["kind"] == "baseline") & (compared["ranking"].isin([first, *own_rankings]))) |
                     (compared["kind"] == "contrast")]
    for kind, title in (("baseline", f"Against the baseline ({c['baseline']})"), ("contrast", "Contrasts")):
        part = shown[shown["kind"] == kind]
        if len(part):
            lines += [f"{title}:", ""] + [f"- {finding(r, labels, c)}" for _, r in part.iterrows()] + [""]
    rest = compared[(compared["kind"] == "baseline") & ~compared["ranking"].isin([first, *own_rankings])]
    if len(rest):
        counts = rest["verdict"].value_counts()
        lines.append(f"In the other BN modes ({', '.join(dict.fromkeys(rest['ranking']))}), the "
                     f"{len(rest)} comparisons with the baseline say: "
                     + "; ".join(f"{verdict}: {k}" for verdict, k in counts.items()) + " (Table 5).")
    return "\n".join(lines).rstrip()


def write_report(config, provenance: str, compared: pd.DataFrame, outputs, reference_md: str = "",
                 remedies_md: str = "") -> None:
    paths = {Path(p).suffix: Path(p) for p in outputs}
    view = pd.DataFrame({
        "Table": compared["table"], "Row": compared["row"], "Column": compared["column"], "Metric": compared["metric"],
        "Paper": [format_mean_std(p, s) for p, s in zip(compared["paper"], compared["paper_std"])],
        "Ours": [format_mean_std(o, s) for o, s in zip(compared["ours"], compared["ours_std"])],
        "Difference": [format_mean_std(d, np.nan) for d in compared["difference"]], "Verdict": compared["verdict"], "n": compared["n"],
    })
    counts = compared["verdict"].str.replace(r" \(.*", "", regex=True).value_counts().to_dict()
    k = config["studies"]["window"]
    header = [
        "# Paper vs reproduced: Deeper Insights into Weight Sharing in NAS", "",
        f"**Configuration:** {provenance}.",
        f"Studies: window k = {k} mini-batches (paper {paper.WINDOW}), dense evaluation over the last "
        f"{config['studies']['dense_steps']} (paper {paper.DENSE_STEPS}), group sharing {config['studies']['group']['instances']} instances, "
        f"prefix sharing {config['studies']['prefix']['instances']} instances x epochs {config['studies']['prefix']['epochs']} "
        f"(paper {' and '.join(map(str, paper.PREFIX_EPOCHS))}).", "",
        f"**Summary:** {len(compared)} numbers; " + ", ".join(f"{v}: {n}" for v, n in sorted(counts.items())) + ".", "",
        "Verdict: with a paper spread, ours agrees when |ours - paper| <= 2·sqrt(std_paper² + std_ours²); "
        f"without one, within {TAU_TOLERANCE} for a tau and {RANK_TOLERANCE:g} for a rank. "
        "A demo-scale run (small data, few epochs) is not expected to agree.", "", "",
    ]
    extra = "".join("\n\n" + part for part in (reference_md, remedies_md) if part)
    md = "\n".join(header) + view.to_markdown(index=False) + extra + "\n"
    paths[".md"].write_text(md)
    try:
        import markdown  # optional nicer HTML
        body = markdown.markdown(md, extensions=["tables"])
    except ImportError:
        body = "<pre>" + "\n".join(header) + "</pre>" + view.to_html(index=False) + (f"<pre>{extra}</pre>" if extra else "")
    paths[".html"].write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>Paper vs reproduced</title>"
                              f"<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}table{{border-collapse:collapse;font-size:12px}}"
                              f"td,th{{border:1px solid #ccc;padding:2px 6px}}</style></head><body>{body}</body></html>\n")
