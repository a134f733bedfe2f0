"""Search runs (wsnas.plan.searches) and their comparison (wsnas.reporting.searches, Table 5): every number
is recomputed here from small synthetic result files, and the runs are paired by seed."""

import copy

import numpy as np
import pandas as pd
import pytest

from tests.helpers import tiny_config
from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.jobs import reports
from wsnas.plan import cost
from wsnas.plan.searches import evaluation_config, every_epoch, runs_of_method, search_config, search_runs
from wsnas.reporting import metrics
from wsnas.reporting.results import CHILDREN
from wsnas.reporting.searches import paired_difference

SEARCHES = {
    "baseline": {"label": "Single path", "instances": 3},
    "di_nas": {"label": "DI-NAS", "instances": 3, "method": {"name": "di_nas"}},
    "control": {"label": "control", "instances": 2, "method": {"name": "di_nas", "control": "isotropic"}, "epochs": 5},
}


def config(**comparison):
    return tiny_config() | {"searches": {k: _filled(v) for k, v in SEARCHES.items()},
                            "comparison": {"baseline": "baseline", "bn_modes": ["running", "recalibrate"], "interval": 2,
                                           "bootstrap": 2000, "bootstrap_seed": 0, **comparison}}


def _filled(run):
    return copy.deepcopy({"method": {"name": "single_path"}, "child_order": "uniform", "epochs": None, **run})


def test_instances_of_every_run_share_their_seeds_and_only_the_method_differs():
    cfg = merged(config(), method={"name": "di_nas", "lambda": 5.0})  # a top-level method must not leak in
    base, dinas, control = (search_config(cfg, run, 1) for run in ("baseline", "di_nas", "control"))
    assert base["method"] == {"name": "single_path"} and control["method"] == {"name": "di_nas", "control": "isotropic"}
    for key in ("init_seed", "data_seed", "order_seed"):
        assert base["train"][key] == dinas["train"][key] == 1
    assert base["train"]["child_order"] == "uniform" and control["train"]["epochs"] == 5
    assert base["train"]["dense_eval_steps"] == cfg["studies"]["window"]
    assert {k: v for k, v in base.items() if k != "method"} == {k: v for k, v in dinas.items() if k != "method"}
    assert evaluation_config(cfg, "di_nas", 0, "recalibrate")["evaluate"]["bn_mode"] == "recalibrate"
    assert every_epoch(cfg, "running") and not every_epoch(cfg, "recalibrate")
    # per-epoch rankings where DI-NAS's Figure 3 needs them (the baseline, DI-NAS runs), else the last epoch
    cfg["searches"]["pada"] = _filled({"label": "PA&DA", "instances": 2, "method": {"name": "pada"}})
    assert [every_epoch(cfg, "running", r) for r in ("baseline", "di_nas", "control", "pada")] == [True] * 3 + [False]
    cfg["searches"]["pada"]["every_epoch"], cfg["searches"]["di_nas"]["every_epoch"] = True, False
    assert every_epoch(cfg, "running", "pada") and not every_epoch(cfg, "running", "di_nas")
    assert not every_epoch(cfg, "recalibrate", "pada")
    assert runs_of_method(cfg, "di_nas") == ["di_nas", "control"] and runs_of_method(cfg, "dcnas") == []


def test_bad_search_runs_are_refused_in_one_line_naming_the_key():
    cfg = config(baseline="nope")
    with pytest.raises(WsnasError, match="config key comparison.baseline: 'nope'"):
        search_runs(cfg)
    cfg = config()
    cfg["searches"]["di_nas"]["method"]["name"] = "di_nass"
    with pytest.raises(WsnasError, match="config key searches.di_nas.method.name: 'di_nass'"):
        search_runs(cfg)


def test_the_cost_model_counts_search_jobs():
    cfg = config()
    train = cost.train_search(cfg, "control", "0")
    assert train.supernet == 5 * cost.split_sizes(cfg["data"])[0] and train.eval[64] > 0
    running, recal = cost.evaluate_search(cfg, "control", "0", "running"), cost.evaluate_search(cfg, "control", "0", "recalibrate")
    assert running.eval[64] == 5 * recal.eval[64] and 1 in recal.eval and 1 not in running.eval


def test_paired_difference_and_its_bootstrap_interval():
    run, base = pd.Series([0.5, 0.7, 0.6, 0.9]), pd.Series([0.4, 0.5, 0.6], index=[0, 1, 2])
    out = paired_difference(run, base, 4000, 0)
    assert out["pairs"] == 3 and out["diff"] == pytest.approx((0.1 + 0.2 + 0.0) / 3)
    assert 0.0 <= out["diff_low"] < out["diff"] < out["diff_high"] <= 0.2 + 1e-12
    assert paired_difference(run, pd.Series(dtype=float), 100, 0)["pairs"] == 0


def _accuracy_file(path, matrix):
    rows = [{"epoch": e + 1, "child": c, "accuracy": a, "loss": 0.0} for e, row in enumerate(matrix) for c, a in zip(CHILDREN, row)]
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _dense_file(path, matrix):
    frame = pd.DataFrame(matrix, columns=CHILDREN)
    frame.insert(0, "trained", "111")
    frame.insert(0, "step", range(100, 100 + len(matrix)))
    frame.to_csv(path, index=False)
    return path


def test_table5_numbers_follow_from_the_result_files(tmp_path):
    """Synthetic accuracy, dense and benchmark files through the metrics job and Table 5: GT-Tau, S-Tau, T1R,
    P@Top5%, regret, the window metrics, the paired difference and the cost ratio, recomputed here."""
    cfg = config()
    rng = np.random.default_rng(0)
    gt = rng.random(64)
    pd.DataFrame({"child": CHILDREN, "mean": gt, "std": 0.0, "seeds": 2, "rank": metrics.ranks(gt)}).to_csv(tmp_path / "gt.csv", index=False)
    finals, files = {}, {}
    for run, s in cfg["searches"].items():
        epochs = s["epochs"] or cfg["train"]["epochs"]
        acc, dense = {}, []
        for i in range(s["instances"]):
            per_epoch = gt + rng.normal(0, 0.3 if run == "baseline" else 0.1, (epochs, 64))
            finals[run, i] = per_epoch[-1]
            folder = tmp_path / run / str(i)
            acc.setdefault("running", []).append(_accuracy_file(folder / "accuracy_running.csv", per_epoch))
            acc.setdefault("recalibrate", []).append(_accuracy_file(folder / "accuracy_recalibrate.csv", per_epoch[-1:] + 0.01))
            dense.append(_dense_file(folder / "dense.csv", gt + rng.normal(0, 0.2, (3, 64))))
            (tmp_path / "bench" / run).mkdir(parents=True, exist_ok=True)
            (tmp_path / "bench" / run / f"{i}.tsv").write_text(f"s\th:m:s\tmax_rss\n{10.0 * (2 if run == 'di_nas' else 1) + i}\t0:00:10\t1\n")
        names = {k: tmp_path / "metrics" / run / f"{k}.csv" for k in ("instances", "summary", "disturbance", "picks")}
        names["instances"].parent.mkdir(parents=True)
        reports.search_metrics(run, acc, dense, tmp_path / "gt.csv", "running", 2, 2, 3, **names)
        picks = pd.read_csv(names["picks"], dtype={"child": str})
        assert len(picks) == s["instances"] * 2 * 3
        top = picks[(picks["bn_mode"] == "running") & (picks["instance"] == 0)].sort_values("rank")["child"]
        assert list(top) == [CHILDREN[c] for c in np.argsort(-finals[run, 0])[:3]]
        files[run] = names
        disturbance = pd.read_csv(names["disturbance"])
        assert set(disturbance["interval"]) == {min(2, epochs - 1)}
    outputs = [tmp_path / f"table5.{ext}" for ext in ("csv", "md", "tex")]
    benchmarks = sorted(str(p) for p in (tmp_path / "bench").rglob("*.tsv"))
    reports.table5_methods(cfg, [files[r]["summary"] for r in cfg["searches"]], [files[r]["instances"] for r in cfg["searches"]],
                           benchmarks, outputs)
    table = pd.read_csv(outputs[0], dtype={"pick_mode": str}).set_index(["run", "bn_mode"])
    assert len(table) == 3 * 2
    gt_tau = {key: metrics.gt_tau(acc, gt) for key, acc in finals.items()}
    for run, s in cfg["searches"].items():
        row = table.loc[(run, "running")]
        n = s["instances"]
        assert row["gt_tau"] == pytest.approx(np.mean([gt_tau[run, i] for i in range(n)]))
        assert row["s_tau"] == pytest.approx(metrics.s_tau([finals[run, i] for i in range(n)])["s_tau"])
        assert row["t1r"] == pytest.approx(np.mean([metrics.top_n_rank(finals[run, i], gt, 1) for i in range(n)]))
        assert row["p_top5"] == pytest.approx(np.mean([metrics.precision_at_top(finals[run, i], gt, 0.05) for i in range(n)]))
        assert row["regret"] == pytest.approx(np.mean([gt.max() - gt[np.argmax(finals[run, i])] for i in range(n)]))
        assert row["gt_tau_diff"] == pytest.approx(np.mean([gt_tau[run, i] - gt_tau["baseline", i] for i in range(n)]))
        assert row["gt_tau_pairs"] == n and not np.isnan(row["gt_tau_mean_k"])
        assert np.isnan(table.loc[(run, "recalibrate"), "gt_tau_mean_k"])  # the dense window is a running-mode number
    assert table.loc[("di_nas", "running"), "train_cost_ratio"] == pytest.approx(21 / 11)
    assert table["paper"].notna().groupby("run").any().to_dict() == {"baseline": False, "control": False, "di_nas": True}
    md = outputs[1].read_text()
    assert "GT-Tau-Mean-2" in md and "| DI-NAS " in md and "GT-Tau 0.48" in md

    # Figures 10-11 from the same files: one errorbar per run and BN mode; one panel per run
    from wsnas.reporting.method_figures import fig10_methods, fig11_rank_scatter

    fig = fig10_methods(cfg, outputs[0], [tmp_path / "fig10.png"])
    assert len(fig.axes[0].containers) == 3 * 2 and (tmp_path / "fig10.png").read_bytes()[:4] == b"\x89PNG"
    accuracy = [str(p) for p in sorted(tmp_path.glob("*/*/accuracy_running.csv"))]
    fig = fig11_rank_scatter(cfg, list(cfg["searches"]), accuracy, tmp_path / "gt.csv", [tmp_path / "fig11.png"])
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert len(shown) == 3
    baseline = next(ax for ax in shown if ax.get_title() == "Single path").collections[0].get_offsets()
    assert np.allclose(baseline[:, 1], np.mean([finals["baseline", i] for i in range(3)], axis=0))
