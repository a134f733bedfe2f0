"""Table 5: every search run ranked against the same ground truth, in every BN mode (docs/comparing-methods.md).
The long form (``table5_methods.csv``) has one row per (run, ranking): GT-Tau, S-Tau,
GT-Tau-Mean-k and GT-Tau-Std-k (dense-evaluation mode only), P@Top5%, T1R, T3R, the picks, the retrained
accuracy of the pick, the measured training cost (the train job's Snakemake ``benchmark:`` seconds, dense
evaluation included) and the number the method's own paper reports, which is never on this benchmark
(``paper.method_result``, from the method's declaration). The comparisons (``table5_comparisons.csv``, ``wsnas.reporting.paired``) pair each run
with the baseline and each contrast instance by instance. The Markdown and LaTeX views are a compact
headline (run, ranking, n, GT-Tau, the difference to the baseline with its interval, adjusted p, minimal
detectable difference and verdict, regret, cost), the contrasts, and the rest in a details table.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from wsnas.reporting import paired, paper, stats
from wsnas.reporting.analysis import mean_std
from wsnas.reporting.results import read_table, write_csv
from wsnas.reporting.tables import format_mean_std

TITLE = "Table 5: supernet-training methods against the same ground truth"


def method_label(method: dict) -> str:
    """``name`` and its options, e.g. ``name (option=value)``."""
    options = ", ".join(f"{k}={v}" for k, v in method.items() if k != "name")
    return f"{method['name']} ({options})" if options else method["name"]


def train_seconds(paths) -> tuple[float, float]:
    """Mean and std over instances of the train jobs' wall seconds (Snakemake benchmark files; a packed
    instance's file holds its share of its packs' epochs, ``wsnas.plan.packs.share_seconds``)."""
    return mean_std([float(read_table(p, ["s"], sep="\t")["s"].iloc[-1]) for p in paths])


def retrained(retrain) -> pd.DataFrame:
    """Per run and BN mode: the retrained accuracy of the pick (rank 0), mean and std over instances and
    retraining seeds, and where the numbers come from (retrained, or the ground truth's same runs)."""
    table = read_table(retrain, ["instance", "rank", "seed", "accuracy"], text=("run", "bn_mode", "child", "source"))
    rows = []
    for (run, bn_mode), group in table[table["rank"] == 0].groupby(["run", "bn_mode"]):
        mean, std = mean_std(group["accuracy"])
        rows.append({"run": run, "bn_mode": bn_mode, "retrained_acc": mean, "retrained_acc_std": std,
                     "retrained_n": len(group), "retrained_source": " + ".join(sorted(group["source"].unique()))})
    return pd.DataFrame(rows, columns=["run", "bn_mode", "retrained_acc", "retrained_acc_std", "retrained_n",
                                       "retrained_source"])


def remedy_quote(config: dict, run: str):
    """What Zhang et al. 2020 report for study run ``run`` (Table 3a for group sharing, Table 4 for prefix
    sharing; GT-Tau-Mean-64), as ``paper.method_result`` gives; on this benchmark when the data are CIFAR-10."""
    from wsnas.plan.studies import study_runs

    study = study_runs(config)[run]
    settings, same = study["settings"], config["data"]["name"] == "cifar10"
    if study["kind"] == "group" and settings["groups"] in paper.TABLE3A:
        mean, pm = paper.TABLE3A[settings["groups"]][settings["grouping"]][0]
        return (f"GT-Tau-Mean-64 {mean:.4f} ± {pm:.4f}", f"Zhang et al. 2020, Table 3a ({settings['grouping']}, "
                f"m = {settings['groups']})", same)
    if study["kind"] == "prefix" and (settings["epochs"], settings["prefix_cells"]) in paper.TABLE4:
        mean, pm = paper.TABLE4[settings["epochs"], settings["prefix_cells"]]["GT-Tau-Mean-64"]
        return (f"GT-Tau-Mean-64 {mean:.4f} ± {pm:.4f}", f"Zhang et al. 2020, Table 4 ({settings['epochs']} epochs, "
                f"k = {settings['prefix_cells']})", same)
    return None


def table5_methods(config: dict, summaries, instances, benchmarks: dict, retrain=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rows, comparisons): the table's long form, one row per run and ranking, numbers only, and its paired
    comparisons (``paired.comparisons``). ``summaries``/``instances``: every run's metric files, search runs'
    and seed 002's remedies'; ``benchmarks``: run -> its train jobs' benchmark files; ``retrain``: the final
    retraining's results (``wsnas.plan.retrain``)."""
    summary = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode")) for p in summaries], ignore_index=True)
    per_instance = pd.concat([read_table(p, ["gt_tau"], text=("run", "bn_mode", "pick")) for p in instances],
                             ignore_index=True)
    c = config["comparison"]
    seconds = {run: train_seconds(paths) for run, paths in benchmarks.items()}
    baseline_seconds = seconds[c["baseline"]][0] if c["baseline"] in seconds else np.nan
    rows = []
    for _, s in summary.iterrows():
        mine = per_instance[(per_instance["run"] == s["run"]) & (per_instance["bn_mode"] == s["bn_mode"])]
        if s["run"] in config["searches"]:
            run = config["searches"][s["run"]]
            label, method, paired_with = run["label"], method_label(run["method"]), "instance"
            quoted = paper.method_result(run["method"])
        else:  # seed 002's remedy (a study run): its own seeds and child order, so not paired with the baseline
            label, method, paired_with = c["studies"][s["run"]], f"seed 002 study {s['run']}", ""
            quoted = remedy_quote(config, s["run"])
        train_s, train_s_std = seconds[s["run"]]
        picks = mine["pick"].value_counts()
        rows.append({**s.to_dict(), "label": label, "method": method, "paired": paired_with,
                     "pick_mode": picks.index[0], "pick_mode_count": int(picks.iloc[0]), "train_s": train_s,
                     "train_s_std": train_s_std, "train_cost_ratio": train_s / baseline_seconds,
                     "paper": quoted[0] if quoted else "", "paper_source": quoted[1] if quoted else "",
                     "same_benchmark": ("yes" if quoted[2] else "no") if quoted else ""})
    frame = pd.DataFrame(rows)
    if retrain is not None:
        frame = frame.merge(retrained(retrain), on=["run", "bn_mode"], how="left")
    return frame, paired.comparisons(config, per_instance)


def difference_text(r) -> str:
    """A comparison's mean difference with its 95 % interval (the interval is undefined for one pair)."""
    if r["n"] == 0 or pd.isna(r["diff"]):
        return "not paired"
    interval = "" if pd.isna(r["diff_low"]) else f" [{r['diff_low']:+.3f}, {r['diff_high']:+.3f}]"
    return f"{r['diff']:+.3f}{interval}"


def p_text(r) -> str:
    """The Holm-adjusted p, or why there is none."""
    return "–" if pd.isna(r["p_holm"]) else f"{r['p_holm']:.3g}"


def mdd_text(mdd) -> str:
    return f"{mdd:.3f}" if np.isfinite(mdd) else "–"


def needed_text(n_needed) -> str:
    """The instances a conclusive answer on the observed difference needs (``stats.instances_needed``)."""
    if not np.isfinite(n_needed):
        return "–"
    return f"> {stats.N_NEEDED_CAP:,}" if n_needed >= stats.N_NEEDED_CAP else str(int(n_needed))


def ranking_text(ranking: str, against_ranking: str) -> str:
    return ranking if ranking == against_ranking else f"{ranking} (vs {against_ranking})"


def _headline(frame: pd.DataFrame, compared: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """One row per comparison with the baseline, the baseline's own rows and the unpaired rows."""
    rows = frame.set_index(["run", "bn_mode"])
    ms = format_mean_std
    out = []

    def row(run, ranking, shown_ranking, c=None):
        r, own = rows.loc[(run, ranking)], run == baseline
        out.append({"Run": r["label"], "Ranking": shown_ranking, "n": int(r["instances"] if c is None else c["n"]),
                    "GT-Tau": ms(r["gt_tau"], r["gt_tau_std"]),
                    "Δ vs baseline [95 % CI]": difference_text(c) if c is not None else ("–" if own else "not paired"),
                    "p (Holm)": p_text(c) if c is not None else "–",
                    "MDD": mdd_text(c["mdd"]) if c is not None else "–",
                    "n needed": needed_text(c["n_needed"]) if c is not None else "–",
                    "Verdict": c["verdict"] if c is not None else ("baseline" if own else paired.NOT_PAIRED),
                    "Regret": ms(r["regret"], r["regret_std"]), "Cost ×": f"{r['train_cost_ratio']:.2f}"})

    versus = compared[compared["kind"] == "baseline"]
    for (run, ranking), _ in rows.iterrows():
        mine = versus[(versus["run"] == run) & (versus["ranking"] == ranking)]
        if run == baseline or mine.empty:
            row(run, ranking, ranking)
        for _, c in mine.iterrows():
            row(run, ranking, ranking_text(ranking, c["against_ranking"]), c)
    return pd.DataFrame(out)


def _contrasts(compared: pd.DataFrame, labels: dict) -> pd.DataFrame:
    contrasts = compared[compared["kind"] == "contrast"]
    return pd.DataFrame({
        "Run": [labels[r] for r in contrasts["run"]], "Against": [labels[r] for r in contrasts["against"]],
        "Ranking": [ranking_text(a, b) for a, b in zip(contrasts["ranking"], contrasts["against_ranking"])],
        "n": contrasts["n"].astype(int), "Δ [95 % CI]": [difference_text(r) for _, r in contrasts.iterrows()],
        "p (Holm)": [p_text(r) for _, r in contrasts.iterrows()],
        "MDD": [mdd_text(m) for m in contrasts["mdd"]], "n needed": [needed_text(m) for m in contrasts["n_needed"]],
        "Verdict": contrasts["verdict"]})


def _details(frame: pd.DataFrame) -> pd.DataFrame:
    f, ms = frame, format_mean_std
    return pd.DataFrame({
        "Run": f["label"], "Ranking": f["bn_mode"],
        "S-Tau": [ms(m, np.nan) for m in f["s_tau"]],
        "GT-Tau-Mean-k": [ms(m, s) for m, s in zip(f["gt_tau_mean_k"], f["gt_tau_mean_k_std"])],
        "GT-Tau-Std-k": [ms(m, s) for m, s in zip(f["gt_tau_std_k"], f["gt_tau_std_k_std"])],
        "P@Top5%": [ms(m, s, 2) for m, s in zip(f["p_top5"], f["p_top5_std"])],
        "T1R": [ms(m, s, 1) for m, s in zip(f["t1r"], f["t1r_std"])],
        "T3R": [ms(m, s, 1) for m, s in zip(f["t3r"], f["t3r_std"])],
        "Picks (distinct; most common ×times)": [f"{int(d)}; {p} ×{int(c)}" for d, p, c in
                                                 zip(f["distinct_picks"], f["pick_mode"], f["pick_mode_count"])],
        "Pick GT acc.": [ms(m, s) for m, s in zip(f["pick_gt_acc"], f["pick_gt_acc_std"])],
        **({"Retrained acc. of the pick": [ms(m, s) for m, s in zip(f["retrained_acc"], f["retrained_acc_std"])],
            "Retrained from": f["retrained_source"].fillna("")} if "retrained_acc" in f else {}),
        "Train s/instance": [f"{s:.1f}" for s in f["train_s"]],
        "Paper reports": f["paper"], "Same benchmark": f["same_benchmark"],
    })


def _runs(frame: pd.DataFrame) -> pd.DataFrame:
    runs = frame.drop_duplicates("run")
    return pd.DataFrame({"Run": runs["label"], "Name": runs["run"], "Method and options": runs["method"]})


def _mechanisms(records: pd.DataFrame, labels: dict) -> pd.DataFrame:
    """One row per run and record: the mean [lowest, highest] over instances at the first, middle and last
    epoch shown (``wsnas.reporting.searches.mechanism``)."""
    def cell(r):
        return f"{r['mean']:.3g} [{r['low']:.3g}, {r['high']:.3g}] (epoch {int(r['epoch'])})"

    rows = []
    for (run, _), part in records.groupby(["run", "record"], sort=False):
        at = {r["position"]: cell(r) for _, r in part.iterrows()}
        rows.append({"Run": labels.get(run, run), "Record": part["label"].iloc[0].replace("|", "\\|"),  # a cell, not a column
                     "n": int(part["instances"].iloc[0]),
                     **{position.capitalize(): at.get(position, "–") for position in ("first", "middle", "last")}})
    return pd.DataFrame(rows, columns=["Run", "Record", "n", "First", "Middle", "Last"])


def write_table5(frame: pd.DataFrame, compared: pd.DataFrame, config: dict, outputs, comparisons,
                 provenance: str | None = None, mechanisms: pd.DataFrame | None = None) -> None:
    """The long form to the .csv output and the comparisons to ``comparisons``; the headline, the contrasts,
    the details, what each method did (``mechanisms``: the search runs' mechanism records) and the runs'
    methods to .md, the headline and the contrasts to .tex, with what the columns mean as a note."""
    paths = {Path(p).suffix: Path(p) for p in outputs}
    write_csv(frame, paths[".csv"])
    write_csv(compared, comparisons)
    c, window = config["comparison"], int(frame["window"].iloc[0]) if len(frame) else config["studies"]["window"]
    labels = dict(zip(frame["run"], frame["label"]))
    headline, contrasts = _headline(frame, compared, c["baseline"]), _contrasts(compared, labels)
    details = _details(frame).rename(columns=lambda h: h.replace("-k", f"-{window}"))
    tests = int(compared["p_holm"].notna().sum())
    sources = "; ".join(dict.fromkeys(f"{m}: {s}" for m, s in zip(frame["method"], frame["paper_source"]) if s))
    note = (f"Mean ± std over instances at the last epoch. Δ: the mean over instances of the run's GT-Tau minus "
            f"the other run's, instance by instance (same seeds), each ranking paired with the same ranking of "
            f"the other run; a ranking the other run lacks (a method's own ranking, e.g. by architecture parameters) is paired "
            f"with each of its BN modes. 95 % CI: Student-t interval of the mean difference. p (Holm): the "
            f"two-sided exact sign-flip test over all 2^n sign patterns, Holm-adjusted over the {tests} tests of "
            f"this table that have at least {c['min_pairs']} pairs; a row says better or worse only when it is "
            f"below {c['alpha']:g}, and with fewer than {c['min_pairs']} pairs it says 'too few instances'. "
            f"MDD: the smallest true difference detected with {c['power']:.0%} power at the table's strictest "
            f"level ({c['alpha']:g} / {len(compared)} comparisons) given the measured spread of the differences; "
            f"n needed: the instances at which the observed difference would be detected so (and at which the "
            f"exact test can reach that level at all). Contrasts: the runs of comparison.contrasts against each other, with the same rule. "
            f"Regret: the best child's ground-truth accuracy minus the pick's. Cost ×: the train job's wall "
            f"seconds over the baseline's. Orders with ties (pick, regret, TnR, P@Top5%) are expectations over "
            f"all orderings of tied scores. Seed 002's remedies (comparison.studies) have their own seeds and "
            f"child order and are not paired.")
    details_note = (f"GT-Tau-Mean/Std-{window}: over the last {window} mini-batches, in the dense-evaluation BN "
                    f"mode ({config['evaluate']['bn_mode']}) only. P@Top5%: the top 4 of 64 children. T1R: the "
                    f"ground-truth rank of the pick; its ground-truth accuracy is the ground truth's mean over "
                    f"seeds. Retrained acc.: the pick's accuracy trained alone from scratch (config section "
                    f"retrain: {config['retrain']['epochs'] or 'the ground truth’s'} epochs), mean ± std over "
                    f"instances and retraining seeds; 'ground truth' where the retraining is the same network as "
                    f"the ground truth's run of that child and seed. Train s: the train job's wall seconds (its "
                    f"Snakemake benchmark; the last attempt when resubmitted; an instance trained in a pack of "
                    f"train.streams instances: its share of the pack's epochs), including its dense evaluation of "
                    f"the last {window} mini-batches; evaluate_search jobs are not counted."
                    + (f" Paper numbers (never this benchmark unless marked): {sources}." if sources else ""))
    parts = [f"## {TITLE}", headline.to_markdown(index=False), note]
    if len(contrasts):
        parts += ["### Contrasts (comparison.contrasts)", contrasts.to_markdown(index=False)]
    parts += ["### Details", details.to_markdown(index=False), details_note]
    if mechanisms is not None and len(mechanisms):
        parts += ["### Mechanisms (each method's own records)", _mechanisms(mechanisms, labels).to_markdown(index=False),
                  "What each run's method did, from its instances' epoch records (`epochs.csv`; the records each "
                  "method declares, `Declaration.records`): the mean [lowest, highest] over the n instances at the "
                  "first, the middle and the last of the epochs at which every instance recorded it. A gain is "
                  "credited to a mechanism only where these show it at work."]
    parts += ["### Runs", _runs(frame).to_markdown(index=False)]
    if provenance is not None:
        parts.append(f"Produced by: {provenance}.")
    paths[".md"].write_text("\n\n".join(parts) + "\n")
    tex = headline.to_latex(index=False, caption=TITLE, escape=True)
    if len(contrasts):
        tex += "\n" + contrasts.to_latex(index=False, caption=f"{TITLE}: contrasts", escape=True)
    paths[".tex"].write_text(tex.replace("±", r"$\pm$").replace("Δ", r"$\Delta$").replace("×", r"$\times$"))
