"""Every metric, table and figure producer and the paper comparison on tiny synthetic CSVs in the formats the
rules write, checked against numbers worked out by hand; and report jobs never import torch.

The synthetic rankings are chosen so that every Kendall tau is known in closed form: ``GT`` orders the 64
children by index, ``SWAP`` is ``GT`` with its two lowest children swapped (1 discordant pair of 2016, so
tau = ``T``), ``REV`` is ``GT`` reversed (tau -1 against ``GT``, -``T`` against ``SWAP``).
"""

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from wsnas.config import load, merged
from wsnas.errors import WsnasError
from wsnas.jobs import reports
from wsnas.plan.studies import figure6_members
from wsnas.reporting import comparison, figures, paper, study_figures, study_tables, tables
from wsnas.reporting.results import CHILDREN, read_ground_truth

ROOT = Path(__file__).resolve().parents[1]
CONFIG = load(ROOT / "config" / "test.yaml", [])  # 3 experiments; Different epochs: instance 1 of shuffle
GT = np.linspace(0.5, 0.9, 64)
SWAP = GT[[1, 0, *range(2, 64)]]
REV = GT[::-1].copy()
T = 1 - 2 / 2016  # tau(GT, SWAP)
#: Per instance, the accuracies after epochs 1, 2, 3: at epoch 3 the rankings are GT, SWAP, REV.
INSTANCES = [(GT, GT, GT), (GT, REV, SWAP), (GT, GT, REV)]


def write(path, frame) -> str:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(frame).to_csv(path, index=False)
    return str(path)


def accuracy_csv(path, by_epoch) -> str:
    """An evaluate_subnets table: epoch, child, accuracy, loss."""
    return write(path, [{"epoch": e, "child": c, "accuracy": a, "loss": 1 - a}
                        for e, acc in enumerate(by_epoch, 1) for c, a in zip(CHILDREN, acc)])


def dense_csv(path, rows) -> str:
    """A train_study dense table: step, trained, one column per child."""
    frame = pd.DataFrame(np.array(rows), columns=CHILDREN)
    frame.insert(0, "trained", ["111 424"] * len(rows))
    frame.insert(0, "step", range(10, 10 + len(rows)))
    return write(path, frame)


def squeezed(path) -> str:
    """A Markdown file with runs of spaces as one, to check cells without their padding."""
    return re.sub(r" +", " ", Path(path).read_text())


def outputs(folder, name, exts=(".csv", ".md", ".tex")) -> list[str]:
    return [str(Path(folder) / f"{name}{ext}") for ext in exts]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The metric files of a run: the metric jobs on synthetic accuracy and ground-truth tables."""
    root = tmp_path_factory.mktemp("run")
    seeds = []
    for seed, final in ((0, GT), (1, GT + 0.01)):  # the same order, so every seed agrees with the mean
        for chunk, children in enumerate((CHILDREN[:32], CHILDREN[32:])):
            seeds.append(write(root / f"results/ground_truth/seed{seed}/chunk{chunk}.csv", [
                {"child": c, "epoch": e, "accuracy": acc[CHILDREN.index(c)], "loss": 0.0}
                for c in children for e, acc in ((1, REV if seed == 0 else GT), (2, final))]))
    summary = str(root / "results/ground_truth/summary.csv")
    reports.ground_truth_summary(seeds, summary)
    gt_metrics = {f: str(root / f"results/metrics/ground_truth/{f}.csv") for f in ("stability_per_epoch", "gt_metrics")}
    reports.ground_truth_metrics(seeds, summary, **gt_metrics)
    accuracy, metrics = [], {}
    for name in CONFIG["experiments"]:
        paths = [accuracy_csv(root / f"results/supernet/{name}/{i}/accuracy.csv", acc) for i, acc in enumerate(INSTANCES)]
        accuracy += paths
        metrics[name] = {f: str(root / f"results/metrics/{name}/{f}.csv") for f in ("stability_per_epoch", "gt_metrics", "last_epochs")}
        reports.experiment_metrics(paths, summary, CONFIG["analysis"]["last_epochs"], **metrics[name])
    random_rank = str(root / "results/metrics/random_rank.csv")
    reports.random_rank(3, 0, random_rank)
    return {"root": root, "summary": summary, "gt": gt_metrics, "metrics": metrics, "accuracy": accuracy,
            "random_rank": random_rank, "names": list(CONFIG["experiments"])}


def _files(run, kind):
    return [run["metrics"][n][kind] for n in run["names"]]


def _table1(run, out, config=CONFIG):
    reports.table1_stability(config, _files(run, "stability_per_epoch"), _files(run, "last_epochs"), run["random_rank"],
                             run["gt"]["stability_per_epoch"], outputs(out, "table1_stability"), "a test run")
    return tables.read_long(Path(out) / "table1_stability.csv")


def _cell(frame, row, metric, column=""):
    match = frame[(frame["row"] == row) & (frame["metric"] == metric) & (frame["column"] == column)]
    assert len(match) == 1, (row, metric, column)
    return match.iloc[0]


# -- metric jobs -----------------------------------------------------------------------------------------
def test_metric_jobs_give_the_hand_computed_taus(run):
    summary = pd.read_csv(run["summary"], dtype={"child": str})
    assert list(summary["child"]) == CHILDREN and summary["seeds"].eq(2).all()
    np.testing.assert_allclose(summary["mean"], GT + 0.005)
    np.testing.assert_allclose(summary["std"], 0.005)
    assert summary.set_index("child")["rank"].to_dict()["444"] == 1 and summary.set_index("child")["rank"]["111"] == 64
    np.testing.assert_allclose(read_ground_truth(run["summary"]), GT + 0.005)
    gt_st = pd.read_csv(run["gt"]["stability_per_epoch"])
    assert list(gt_st["s_tau"]) == pytest.approx([-1, 1]) and gt_st["rankings"].eq(2).all()  # REV vs GT, then GT vs GT + 0.01
    assert pd.read_csv(run["gt"]["gt_metrics"])["gt_tau"].tolist() == pytest.approx([1, 1])
    st = pd.read_csv(run["metrics"]["seeds"]["stability_per_epoch"]).set_index("epoch")
    assert st.loc[1, "s_tau"] == pytest.approx(1)  # all GT
    row = st.loc[3]  # GT, SWAP, REV: taus T, -1, -T
    assert (row.s_tau, row.s_tau_std, row.s_tau_max, row.s_tau_min) == pytest.approx((-1 / 3, np.std([T, -1, -T]), T, -1))
    gtm = pd.read_csv(run["metrics"]["seeds"]["gt_metrics"])
    final = gtm[gtm["epoch"] == 3].set_index("instance")
    assert list(final["gt_tau"]) == pytest.approx([1, T, -1])
    assert list(final["t1r"]) == [1, 1, 64] and list(final["t3r"]) == [1, 1, 62]  # REV's top 3: GT ranks 64, 63, 62
    last = pd.read_csv(run["metrics"]["seeds"]["last_epochs"]).set_index("instance")["s_tau"]
    assert list(last) == pytest.approx([1, -T, -1])  # epochs 2 and 3: GT/GT, REV/SWAP, GT/REV
    rr = pd.read_csv(run["random_rank"]).iloc[0]
    assert rr["rankings"] == 3 and -1 <= rr["s_tau_min"] <= rr["s_tau"] <= rr["s_tau_max"] <= 1


def test_study_metrics_window_by_hand(tmp_path):
    dense = dense_csv(tmp_path / "dense.csv", [SWAP, REV, GT])  # last 2 steps: taus -1, 1
    out = tmp_path / "run.csv"
    reports.study_metrics([dense, dense], write(tmp_path / "gt.csv", {"child": CHILDREN, "mean": GT}), 2, out)
    row = pd.read_csv(out).iloc[1]
    assert row["instance"] == 1 and (row["gt_tau_mean"], row["gt_tau_std"]) == pytest.approx((0, 1))
    assert (row["acc_mean"], row["acc_std"]) == pytest.approx((0.7, 0))  # (REV + GT) / 2 is 0.7 for every child
    assert (row["gt_tau_min"], row["gt_tau_max"], row["steps"]) == pytest.approx((-1, 1, 3))


def test_a_missing_child_is_one_line_naming_the_file(tmp_path):
    path = write(tmp_path / "summary.csv", {"child": CHILDREN[:-1], "mean": GT[:-1]})
    with pytest.raises(WsnasError, match="summary.csv covers 63 of the 64 children"):
        read_ground_truth(path)


# -- Tables 1-2 ------------------------------------------------------------------------------------------
def test_table1_long_form_by_hand(run, tmp_path):
    t1 = _table1(run, tmp_path)
    assert list(t1.columns) == tables.LONG_COLUMNS and t1["table"].eq("1").all()
    assert list(dict.fromkeys(t1["row"])) == ["Different seeds", "Different orders", "Diff. orders (shuffle)", "Random rank",
                                               "Ground truth", "Different epochs", "Different epochs (range over instances)"]
    stability = pd.read_csv(run["metrics"]["seeds"]["stability_per_epoch"]).iloc[-1]  # the last epoch's row
    cell = _cell(t1, "Different seeds", "S-Tau")
    assert (cell.ours, cell.ours_std, cell.n) == (stability.s_tau, stability.s_tau_std, 3)
    assert cell.ours == pytest.approx(-1 / 3) and cell.paper == paper.TABLE1["Different seeds"][0] and np.isnan(cell.paper_std)
    assert _cell(t1, "Different seeds", "Max Tau").ours == pytest.approx(T)
    assert _cell(t1, "Different seeds", "Min Tau").paper == paper.TABLE1["Different seeds"][2]
    assert _cell(t1, "Random rank", "S-Tau").ours == pd.read_csv(run["random_rank"])["s_tau"].item()
    assert _cell(t1, "Ground truth", "S-Tau").ours == pytest.approx(1)
    epochs = _cell(t1, "Different epochs", "S-Tau")  # instance 1 of shuffle, its own last 2 epochs: REV vs SWAP
    assert (epochs.ours, epochs.n) == (pytest.approx(-T), 2) and "instance 1 of Diff. orders (shuffle)" in epochs.statistic
    spread = t1[t1["row"] == "Different epochs (range over instances)"].set_index("metric")
    # shuffle's and seeds' instances: 1, -T, -1 each; median of (-1, -1, -T, -T, 1, 1) is -T
    assert (spread.loc["S-Tau", "ours"], spread.loc["Max Tau", "ours"], spread.loc["Min Tau", "ours"]) == pytest.approx((-T, 1, -1))
    assert spread["n"].eq(6).all() and (spread.loc["Max Tau", "paper"], spread.loc["Min Tau", "paper"]) == (0.63, 0.39)
    one = _table1(run, tmp_path / "one", merged(CONFIG, analysis={"epochs_instance": 0}))
    assert _cell(one, "Different epochs", "S-Tau").ours == pytest.approx(1)  # instance 0: GT twice


def test_table1_view_reads_as_before(run, tmp_path):
    _table1(run, tmp_path)
    md = (tmp_path / "table1_stability.md").read_text()
    assert md.startswith("## Table 1: instability across instances (S-Tau)\n\n| Experiment ")
    header = md.splitlines()[2]
    assert [h.strip() for h in header.strip("|").split("|")] == [
        "Experiment", "S-Tau (ours)", "S-Tau (paper)", "Max Tau (ours)", "Max Tau (paper)", "Min Tau (ours)", "Min Tau (paper)", "n"]
    seeds = next(line for line in md.splitlines() if line.startswith("| Different seeds "))
    # a column of plain numbers is right-aligned and printed by tabulate without trailing zeros, as before
    assert [c.strip() for c in seeds.strip("|").split("|")] == [
        "Different seeds", f"-0.3333 ± {np.std([T, -1, -T]):.4f}", "0.5415", "0.999", "0.7977", "-1", "0.2471", "3"]
    spread = np.std([1, -T, -1, 1, -T, -1])
    assert f"| Different epochs (range over instances) | -0.9990 ± {spread:.4f} | – |" in squeezed(tmp_path / "table1_stability.md")
    assert "Rows: Different seeds: mean ± std of pairwise taus, last epoch;" in md and md.endswith("Produced by: a test run.\n")
    tex = (tmp_path / "table1_stability.tex").read_text()
    assert r"\caption{Table 1: instability across instances (S-Tau)}" in tex and r"-0.3333 $\pm$" in tex


def test_table2_long_form_by_hand(run, tmp_path):
    reports.table2_ground_truth(CONFIG, _files(run, "gt_metrics"), run["gt"]["gt_metrics"], outputs(tmp_path, "t2"), "x")
    t2 = tables.read_long(tmp_path / "t2.csv")
    assert t2["table"].eq("2").all() and len(t2) == 5 * 3
    gt_tau = _cell(t2, "Different seeds", "GT-Tau")  # instances' last epoch: 1, T, -1
    assert (gt_tau.ours, gt_tau.ours_std, gt_tau.n) == (pytest.approx(T / 3), pytest.approx(np.std([1, T, -1])), 3)
    assert (gt_tau.paper, gt_tau.paper_std) == paper.TABLE2["Different seeds"]["GT-Tau"]
    assert _cell(t2, "Different seeds", "T1R").ours == pytest.approx(22)  # (1 + 1 + 64) / 3
    assert _cell(t2, "Different seeds", "T3R").ours == pytest.approx(64 / 3)
    assert _cell(t2, "Ground truth", "GT-Tau").ours == pytest.approx(1)
    epochs = _cell(t2, "Different epochs", "GT-Tau")  # instance 1 of shuffle, epochs 2 and 3: REV, SWAP
    assert epochs.ours == pytest.approx((T - 1) / 2) and "last 2 epochs of instance 1" in epochs.statistic
    md = squeezed(tmp_path / "t2.md")
    assert "| T1R (ours) | T1R (paper) |" in md and f"| 22.0 ± {np.std([1, 1, 64]):.1f} | 18.5 ± 1.2 |" in md


# -- Tables 3a, 3b, 4 ------------------------------------------------------------------------------------
def _study_metrics(folder, values: dict) -> list[str]:
    """Study-metric files (one per run name), two instances each: gt_tau_mean and acc_mean from ``values``."""
    return [write(Path(folder) / f"{run}.csv", {"instance": [0, 1], "gt_tau_mean": v, "gt_tau_std": [0.01, 0.03],
                                                 "acc_mean": [0.6, 0.8], "acc_std": [0.1, 0.1], "gt_tau_min": [0, 0],
                                                 "gt_tau_max": [1, 1], "steps": [2, 2]}) for run, v in values.items()]


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studies")
    group = _study_metrics(folder, {"group-m1": [0.2, 0.4], "group-random-m16": [0.1, 0.1], "group-similarity-m16": [0.2, 0.4],
                                    "group-m64": [0.79, 0.81]})
    prefix = _study_metrics(folder, {"prefix-e4-k0": [0.5, 0.7], "prefix-e4-k2": [0.3, 0.3], "prefix-e2-k0": [0.1, 0.2],
                                     "prefix-e2-k2": [0.0, 0.4]})
    return {"group": group, "prefix": prefix, "prefix_e4": prefix[:2]}


def test_table3a_rows_by_hand(studies, tmp_path):
    t3a = study_tables.table3a_group_sharing(CONFIG, studies["group"])
    assert list(t3a.columns) == tables.LONG_COLUMNS and len(t3a) == 3 * 2 * 2
    cell = _cell(t3a, "m = 16", "GT-Tau-Mean-k", "grouping by similarity")
    assert (cell.ours, cell.ours_std, cell.n) == (pytest.approx(0.3), pytest.approx(0.1), 2)
    assert (cell.paper, cell.paper_std) == paper.TABLE3A[16]["similarity"][0] == (0.72, 0.0213)
    assert _cell(t3a, "m = 16", "GT-Tau-Std-k", "grouping by random").ours == pytest.approx(0.02)
    m1 = t3a[t3a["row"] == "m = 1"].set_index(["column", "metric"])["ours"]
    assert m1["grouping by random"].equals(m1["grouping by similarity"])  # m = 1 is one run for both groupings
    reports.table3a_group_sharing(CONFIG, studies["group"], outputs(tmp_path, "t3a"), "x")
    md = squeezed(tmp_path / "t3a.md")
    assert "| row | grouping by random GT-Tau-Mean-2 |" in md  # k = studies.window = 2
    assert "| m = 16 | 0.1000 ± 0.0000 (0.1658 ± 0.0316) |" in md
    assert "0.3000 ± 0.1000 (0.7200 ± 0.0213)" in md and "the paper's window is 64 mini-batches, ours 2" in md
    pd.testing.assert_frame_equal(tables.read_long(tmp_path / "t3a.csv"), t3a, check_dtype=False)


def test_tables_3b_and_4_rows_by_hand(studies, tmp_path):
    t3b = study_tables.table3b_prefix_sharing(CONFIG, studies["prefix_e4"])  # the first epoch count: 4
    assert list(t3b["row"].unique()) == ["4 epochs, k = 0", "4 epochs, k = 2"] and set(t3b["metric"]) == {"GT-Tau-Mean-k", "GT-Tau-Std-k"}
    cell = _cell(t3b, "4 epochs, k = 0", "GT-Tau-Mean-k")
    assert (cell.ours, cell.ours_std) == (pytest.approx(0.6), pytest.approx(0.1))
    assert (cell.paper, cell.paper_std) == paper.TABLE4[(2000, 0)]["GT-Tau-Mean-64"]  # Table 3b is the paper's 2000 epochs
    t4 = study_tables.table4_prefix_details(CONFIG, studies["prefix"])
    assert len(t4) == 2 * 2 * 4 and t4["table"].eq("4").all()
    acc = _cell(t4, "2 epochs, k = 2", "Accuracy Mean")
    assert (acc.ours, acc.ours_std, acc.n) == (pytest.approx(0.7), pytest.approx(0.1), 2) and np.isnan(acc.paper)
    assert _cell(t4, "2 epochs, k = 2", "GT-Tau-Mean-k").ours == pytest.approx(0.2)
    reports.table4_prefix_details(CONFIG, studies["prefix"], outputs(tmp_path, "t4"), "x")
    row = "| 2 epochs, k = 2 | 0.2000 ± 0.2000 (–) | 0.0200 ± 0.0100 (–) | 0.7000 ± 0.1000 (–) | 0.1000 ± 0.0000 (–) |"
    assert row in squeezed(tmp_path / "t4.md")  # no paper value for 2 epochs


# -- the paper comparison --------------------------------------------------------------------------------
def test_paper_comparison_verdicts_and_reference(run, studies, tmp_path):
    _table1(run, tmp_path)
    reports.table2_ground_truth(CONFIG, _files(run, "gt_metrics"), run["gt"]["gt_metrics"], outputs(tmp_path, "table2_ground_truth"))
    reports.table3a_group_sharing(CONFIG, studies["group"], outputs(tmp_path, "table3a_group_sharing"))
    reports.table3b_prefix_sharing(CONFIG, studies["prefix_e4"], outputs(tmp_path, "table3b_prefix_sharing"))
    reports.table4_prefix_details(CONFIG, studies["prefix"], outputs(tmp_path, "table4_prefix_details"))
    paths = [str(tmp_path / f"{name}.csv") for name in ("table1_stability", "table2_ground_truth", "table3a_group_sharing",
                                                        "table3b_prefix_sharing", "table4_prefix_details")]
    compared = comparison.compare(comparison.read_tables(paths))
    assert len(compared) == 21 + 15 + 12 + 4 + 16

    def verdict(table, row, metric, column=""):
        return _cell(compared[compared["table"] == table], row, metric, column).verdict

    assert verdict("3a", "m = 64", "GT-Tau-Mean-k", "grouping by random") == "agrees (within 2σ)"  # 0.80 ± 0.01 vs 0.8032 ± 0.0255
    assert verdict("3a", "m = 16", "GT-Tau-Mean-k", "grouping by similarity") == "differs"  # 0.42 > 2·hypot(0.0213, 0.1)
    assert verdict("1", "Random rank", "S-Tau") in ("agrees (within 0.1)", "differs")
    assert verdict("1", "Different seeds", "S-Tau") == "differs"  # -0.33 vs 0.5415, no paper spread: tolerance 0.1
    assert verdict("1", "Different epochs (range over instances)", "S-Tau") == "no paper value"
    assert verdict("4", "2 epochs, k = 0", "Accuracy Mean") == "no paper value"
    reference = tmp_path / "gt_mean.txt"
    reference.write_text(" ".join(map(str, REV)))  # the reverse of our ground truth
    config = merged(CONFIG, reference={"ground_truth": str(reference)})
    md_out = [str(tmp_path / "paper_comparison.md"), str(tmp_path / "paper_comparison.html")]
    reports.paper_comparison(config, paths, run["summary"], run["accuracy"], md_out, "a test run")
    md = Path(md_out[0]).read_text()
    rows = [line for line in md.splitlines() if line.startswith("| ") and not line.startswith(("| Table", "| experiment"))]
    assert len(rows) == len(compared) + 3  # every number, and the reference section's three experiments
    assert "**Configuration:** a test run." in md and "our ground-truth means and the reference: **-1.0000**" in md
    assert f"| Different seeds | {T / 3:.4f} ± {np.std([1, T, -1]):.4f} | {-T / 3:.4f} ± {np.std([1, T, -1]):.4f} | 3 |" in md
    assert Path(md_out[1]).read_text().startswith("<!doctype html>")


# -- figures ---------------------------------------------------------------------------------------------
def test_fig2_plots_each_experiments_stau_per_epoch(run, tmp_path):
    outs = [str(tmp_path / "fig2.pdf"), str(tmp_path / "fig2.png")]
    stability = [run["metrics"][e]["stability_per_epoch"] for e in CONFIG["analysis"]["figure2_experiments"]]
    fig = figures.fig2_stau_per_epoch(CONFIG, stability=stability, gt_stability=run["gt"]["stability_per_epoch"], outputs=outs)
    assert Path(outs[0]).read_bytes()[:5] == b"%PDF-" and Path(outs[1]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["Different seeds", "Diff. orders (shuffle)", "Ground truth"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), pd.read_csv(stability[0])["s_tau"])
    np.testing.assert_array_equal(ax.lines[2].get_ydata(), pd.read_csv(run["gt"]["stability_per_epoch"])["s_tau"])


def test_fig3_orders_children_by_the_ground_truth(run, tmp_path):
    shuffle = [p for p in run["accuracy"] if "/shuffle/" in p]
    fig = figures.fig3_rank_distribution(CONFIG, instances=shuffle, epochs_instance=shuffle[1], ground_truth=run["summary"],
                                         outputs=[str(tmp_path / "fig3.png")])
    assert (tmp_path / "fig3.png").stat().st_size > 0
    top, bottom = fig.axes
    assert [t.get_text() for t in top.get_xticklabels()][:3] == ["444", "443", "442"]  # best ground truth left
    assert top.get_title() == "(a) Diff. orders (shuffle): 3 instances, last epoch"
    assert bottom.get_title() == "(b) Diff. orders (shuffle), instance 1: last 2 epochs"


def test_fig4_plots_gt_tau_after_each_finetuning_step(run, tmp_path):
    tables_ = [write(tmp_path / f"epoch{e}.csv", [{"child": c, "step": s, "accuracy": acc[i], "loss": 0.0}
                                                  for i, c in enumerate(CHILDREN) for s, acc in enumerate((GT, REV, SWAP))])
               for e in CONFIG["studies"]["finetune"]["snapshots"]]
    fig = study_figures.fig4_finetune(CONFIG, finetune=tables_, ground_truth=run["summary"], outputs=[str(tmp_path / "fig4.png")])
    assert (tmp_path / "fig4.png").stat().st_size > 0
    curves, taus = fig.axes[0], fig.axes[2]  # row-major 2 x 2 grid: accuracy curves on top, GT-Tau below
    assert len(curves.lines) == 64 and list(curves.lines[0].get_ydata()) == pytest.approx([GT[0], REV[0], SWAP[0]])
    assert list(taus.lines[0].get_ydata()) == pytest.approx([1, -1, T])


def test_fig5_to_fig9_plot_the_dense_tables(run, tmp_path):
    a = dense_csv(tmp_path / "a.csv", [GT, REV])
    b = dense_csv(tmp_path / "b.csv", [SWAP, GT, REV])
    column = lambda path, child: pd.read_csv(path, dtype={"trained": str})[child].to_numpy()  # noqa: E731
    gt, png = run["summary"], lambda name: [str(tmp_path / f"{name}.png")]  # noqa: E731
    fig5 = study_figures.fig5_dense(CONFIG, fixed=a, shuffled=b, ground_truth=gt, outputs=png("fig5"))
    assert len(fig5.axes[0].lines) == 64 and len(fig5.axes[1].lines) == 64
    np.testing.assert_array_equal(fig5.axes[1].lines[CHILDREN.index("234")].get_ydata(), column(b, "234"))
    assert "GT-Tau -1.00 to 1.00 over the last 2 mini-batches" in fig5.axes[0].get_title()
    assert len(fig5.axes[0].collections[CHILDREN.index("424")].get_offsets()) == 2  # trained at every step: a diamond each
    fig6 = study_figures.fig6_group_curves(CONFIG, group=a, shared=b, ground_truth=gt, outputs=png("fig6"))
    members = figure6_members(CONFIG)
    assert [line.get_label() for line in fig6.axes[0].lines] == members
    np.testing.assert_array_equal(fig6.axes[1].lines[0].get_ydata(), column(b, members[0]))
    for name, producer in (("fig7", study_figures.fig7_dense_long), ("fig9", study_figures.fig9_sgd_momentum)):
        fig = producer(CONFIG, dense=b, ground_truth=gt, outputs=png(name))
        assert CONFIG["studies"]["dense_runs"][name]["label"] in fig.axes[0].get_title()
        np.testing.assert_array_equal(fig.axes[0].lines[-1].get_ydata(), column(b, "444"))
    fig8 = study_figures.fig8_bn_momentum(CONFIG, low=[a, b], high=[b], ground_truth=gt, outputs=png("fig8"))
    assert [line.get_label() for line in fig8.axes[0].lines] == ["instance 0", "instance 1"]
    assert list(fig8.axes[0].lines[1].get_ydata()) == pytest.approx([T, 1, -1])
    for name in ("fig5", "fig6", "fig7", "fig8", "fig9"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- no torch in report jobs -----------------------------------------------------------------------------
def test_report_jobs_never_import_torch(tmp_path):
    """The analysis environment has no PyTorch: a report job, its producers and the modules they import lazily
    (figures, tables, comparison) must not pull it in."""
    code = """
import importlib, pkgutil, sys
import wsnas.jobs.reports as reports
import wsnas.reporting
for module in pkgutil.iter_modules(wsnas.reporting.__path__):
    importlib.import_module(f"wsnas.reporting.{module.name}")
reports.random_rank(3, 0, sys.argv[1])
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
assert not loaded, loaded
print("no torch")
"""
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "rr.csv")], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and out.stdout.strip() == "no torch", out.stderr[-2000:]
    for script in (ROOT / "workflow" / "scripts").glob("*.py"):  # a rule's script runs a training job or a report job
        text = script.read_text()
        report = "from wsnas.jobs import common, reports" in text or "from wsnas.reporting import" in text
        assert "torch" not in text and report != ("from wsnas.jobs import common, training" in text), script.name


def test_each_rule_script_passes_exactly_the_arguments_of_its_job():
    """workflow/scripts/<rule>.py calls one job through wsnas.jobs.common.run with keyword arguments taken from
    snakemake.input/params/output only: they must be the job's parameters, and name none it lacks."""
    for script in sorted((ROOT / "workflow" / "scripts").glob("*.py")):
        tree = ast.parse(script.read_text())
        modules = {alias.asname or alias.name: f"{node.module}.{alias.name}" for node in ast.walk(tree)
                   if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("wsnas") for alias in node.names}
        calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and ast.unparse(node.func) == "common.run"]
        assert len(calls) == 1, script.name
        job = calls[0].args[1]
        function = getattr(importlib.import_module(modules[job.value.id]), job.attr)
        assert job.attr == script.stem, script.name  # one script per rule (or rule family), named like its job
        inspect.signature(function).bind(**{k.arg: None for k in calls[0].keywords})  # TypeError on a wrong name
        read = {n.attr for n in ast.walk(calls[0]) if isinstance(n, ast.Attribute) and ast.unparse(n.value) == "s"}
        allowed = {"log", "input", "params", "output"} | ({"threads"} if modules[job.value.id] == "wsnas.jobs.training" else set())
        assert read <= allowed, (script.name, read - allowed)
        assert "snakemake.config" not in script.read_text() and "wildcards" not in script.read_text(), script.name


def test_one_script_per_rule_named_like_it_and_report_rules_are_local():
    """Every rule's script is workflow/scripts/<rule>.py, every script belongs to a rule, rules stay within 15
    lines, and each report rule (analysis environment) is a local rule with a caption for what it reports."""
    rules = {}
    for smk in [ROOT / "Snakefile", *sorted((ROOT / "rules").glob("*.smk"))]:
        for match in re.finditer(r"^([ \t]*)(?:rule|checkpoint) (\w+):\n((?:\1    .*\n|\n(?=\1    ))*)", smk.read_text(), re.M):
            rules[match.group(2)] = match.group(3)  # also a rule under an if (rules/searches.smk)
    scripted = {name: re.search(r'script:\n\s+"\.\./workflow/scripts/(\w+)\.py"', body) for name, body in rules.items()}
    generated = {"method_figure"}  # the script of the rules generated from the methods' declared figures
    assert {name for name, m in scripted.items() if m} | generated == {p.stem for p in (ROOT / "workflow" / "scripts").glob("*.py")}
    for name, m in scripted.items():
        assert m is None or m.group(1) == name, name
    for name, body in rules.items():
        if "analysis.yaml" in body or not scripted[name]:  # report rules and the targets all, all_tables, all_figures
            assert "localrule: True" in body and len(body.rstrip("\n").splitlines()) <= 15, name
        if re.search(r"(table|figure)_output\(|reported\(", body):
            assert (ROOT / "workflow" / "report" / f"{name}.rst").is_file(), name
    assert "localrules:" not in (ROOT / "Snakefile").read_text()
