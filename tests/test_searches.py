"""Search runs (wsnas.plan.searches) and their comparison (wsnas.reporting.searches, Table 5): every number
is recomputed here from small synthetic result files, and the runs are paired by seed."""

import copy

import numpy as np
import pandas as pd
import pytest

from tests.helpers import tiny_config
from wsnas import config as wsnas_config
from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.jobs import reports
from wsnas.plan import cost
from wsnas.plan.settings import checkpoint_folder, training_settings
from wsnas.plan.searches import evaluation_config, every_epoch, method_figures, search_config, search_runs
from wsnas.reporting import metrics, stats
from wsnas.reporting.results import CHILDREN
from wsnas.reporting import paired

SEARCHES = {
    "baseline": {"label": "Single path", "instances": 3},
    "di_nas": {"label": "DI-NAS", "instances": 3, "method": {"name": "di_nas"}},
    "control": {"label": "control", "instances": 2, "method": {"name": "di_nas", "control": "isotropic"}, "epochs": 5},
}


def config(**comparison):
    return tiny_config() | {"searches": {k: _filled(v) for k, v in SEARCHES.items()},
                            "comparison": {"baseline": "baseline", "bn_modes": ["running", "recalibrate"], "interval": 2,
                                           "alpha": 0.05, "min_pairs": 5, "power": 0.8, "permutations": 10_000,
                                           "permutation_seed": 0, "contrasts": [], "studies": {}, **comparison}}


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
    figures = {figure.name: runs for figure, runs in method_figures(cfg)}
    assert figures == {"di_nas_disturbance": ["baseline", "di_nas", "control"], "di_nas_collapse": ["di_nas", "control"],
                       "pada_probabilities": ["pada"]}


def test_a_run_may_set_its_own_momentum_and_weight_decay():
    """``searches.<run>.momentum`` and ``weight_decay`` (DI-NAS's exact protection needs both 0) go into that
    run's training config, so its checkpoints are its own; runs that leave them null keep the train
    section's values."""
    cfg = merged(config(), train={"momentum": 0.9, "weight_decay": 1e-3})
    m0 = {"momentum": 0.0, "weight_decay": 0.0}
    cfg["searches"]["baseline_m0"] = _filled({"label": "baseline m0", "instances": 3, **m0})
    cfg["searches"]["di_nas_m0"] = _filled({"label": "DI-NAS m0", "instances": 3, "method": {"name": "di_nas"}, **m0})
    cfg["searches"]["wd_only"] = _filled({"label": "wd 0", "instances": 3, "momentum": None, "weight_decay": 0.0})
    train = {run: search_config(cfg, run, 1)["train"] for run in cfg["searches"]}
    for run in ("baseline_m0", "di_nas_m0"):
        assert (train[run]["momentum"], train[run]["weight_decay"]) == (0.0, 0.0), run
    for run in ("baseline", "di_nas", "control"):
        assert (train[run]["momentum"], train[run]["weight_decay"]) == (0.9, 1e-3), run
    assert (train["wd_only"]["momentum"], train["wd_only"]["weight_decay"]) == (0.9, 0.0)
    # otherwise the same training as the baseline's: the same seeds, order and schedule
    same = lambda t: {k: v for k, v in t.items() if k not in ("momentum", "weight_decay")}  # noqa: E731
    assert same(train["baseline_m0"]) == same(train["baseline"]) and train["di_nas_m0"] == train["baseline_m0"]
    folder = lambda run: checkpoint_folder("c", training_settings(search_config(cfg, run, 1)))  # noqa: E731
    assert len({folder(run) for run in ("baseline", "baseline_m0", "di_nas", "di_nas_m0", "wd_only")}) == 5
    # the config check accepts them; the schema knows them (null by default) and refuses a momentum above 1
    search_runs(cfg)
    filled = wsnas_config.load(None, ['searches={"b": {"label": "b", "momentum": 0.0}}'])["searches"]["b"]
    assert filled["momentum"] == 0.0 and filled["weight_decay"] is None
    with pytest.raises(WsnasError, match="momentum"):
        wsnas_config.load(None, ['searches={"b": {"label": "b", "momentum": 1.5}}'])


def test_a_contrast_against_another_single_path_run_is_paired_with_it():
    """A contrast's ``against`` may be any search run, a single-path run other than the comparison's baseline
    included (DI-NAS at momentum 0 against single path at momentum 0): it passes the config check, is
    paired with that run instance by instance, and that run is itself compared with the baseline."""
    cfg = config(contrasts=[{"run": "di_nas", "against": "baseline_m0"}, {"run": "di_nas", "against": "control"}])
    cfg["searches"]["baseline_m0"] = _filled({"label": "baseline m0", "instances": 3, "momentum": 0.0})
    search_runs(cfg)
    gt = {"baseline": [0.1, 0.2, 0.3, 0.4, 0.5], "baseline_m0": [0.3, 0.1, 0.2, 0.6, 0.2],
          "di_nas": [0.5, 0.4, 0.6, 0.9, 0.7], "control": [0.2, 0.2, 0.2, 0.2, 0.3]}
    gt = {run: np.array(v) for run, v in gt.items()}
    frame = _per_instance({(run, mode): v for run, v in gt.items() for mode in ("running", "recalibrate")})
    out = paired.comparisons(cfg, frame).set_index(["kind", "run", "against", "ranking"])
    versus = out.loc[("baseline", "baseline_m0", "baseline", "running")]
    assert versus["diff"] == pytest.approx(np.mean(gt["baseline_m0"] - gt["baseline"]))
    row = out.loc[("contrast", "di_nas", "baseline_m0", "recalibrate")]
    assert row["n"] == 5 and row["diff"] == pytest.approx(np.mean(gt["di_nas"] - gt["baseline_m0"]))
    assert row["p"] == pytest.approx(2 / 2**5)  # five positive differences: the exact sign-flip test's floor
    assert len(out.loc["contrast"]) == 4 and len(out.loc["baseline"]) == 6


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


def _per_instance(gt_tau: dict) -> pd.DataFrame:
    """Per-instance metric rows from (run, ranking) -> GT-Tau per instance."""
    return pd.DataFrame([{"run": run, "bn_mode": ranking, "instance": i, "gt_tau": v}
                         for (run, ranking), values in gt_tau.items() for i, v in enumerate(values)])


def test_comparisons_pair_rankings_and_give_verdicts_only_with_evidence():
    """Each ranking is paired with the same ranking of the other run; DARTS's alpha with each of the
    baseline's BN modes; a verdict needs min_pairs pairs and a Holm-adjusted p below alpha."""
    rng = np.random.default_rng(0)
    base = {m: rng.normal(0.3, 0.1, 10) for m in ("running", "recalibrate")}
    cfg = config(contrasts=[{"run": "di_nas", "against": "control"}])
    cfg["searches"]["darts"] = _filled({"label": "DARTS", "instances": 10, "method": {"name": "darts"}})
    frame = _per_instance({
        ("baseline", "running"): base["running"], ("baseline", "recalibrate"): base["recalibrate"],
        ("di_nas", "running"): base["running"] + 0.2 + rng.normal(0, 0.01, 10),  # clearly better in all 10
        ("di_nas", "recalibrate"): base["recalibrate"][:3] + 0.2,                # 3 instances only
        ("control", "running"): base["running"] + 0.2 + rng.normal(0, 0.01, 10),
        ("control", "recalibrate"): base["recalibrate"],                         # the baseline's numbers
        ("darts", "running"): base["running"] + rng.normal(0, 0.1, 10), ("darts", "recalibrate"): base["recalibrate"] - 0.3,
        ("darts", "alpha"): np.full(10, 0.35)})
    out = paired.comparisons(cfg, frame).set_index(["kind", "run", "ranking", "against_ranking"])
    versus = out.loc["baseline"]
    assert set(versus.index) == {("di_nas", "running", "running"), ("di_nas", "recalibrate", "recalibrate"),
                                 ("control", "running", "running"), ("control", "recalibrate", "recalibrate"),
                                 ("darts", "running", "running"), ("darts", "recalibrate", "recalibrate"),
                                 ("darts", "alpha", "running"), ("darts", "alpha", "recalibrate")}
    assert versus.loc[("darts", "alpha", "recalibrate"), "diff"] == pytest.approx(np.mean(0.35 - base["recalibrate"]))
    assert versus.loc[("di_nas", "running", "running"), "verdict"] == "better"
    assert versus.loc[("darts", "recalibrate", "recalibrate"), "verdict"] == "worse"
    assert versus.loc[("di_nas", "recalibrate", "recalibrate"), "verdict"] == "too few instances (n = 3)"
    assert versus.loc[("control", "recalibrate", "recalibrate"), "verdict"] == paired.IDENTICAL
    # the exact p of 10 same-sign pairs is 2 / 1024; Holm multiplies the smallest by the tests in the family
    tested = out["p_holm"].notna()
    assert tested.sum() == len(out) - 3  # not the two 3-pair rows (DI-NAS recalibrate), not the identical one
    assert out["p_holm"][tested].min() == pytest.approx(2 / 1024 * tested.sum())
    contrast = out.loc["contrast"]
    assert list(contrast.index.get_level_values("ranking")) == ["running", "recalibrate"]
    assert contrast.loc[("di_nas", "running", "running"), "verdict"] == paired.NO_EVIDENCE
    row = contrast.loc[("di_nas", "running", "running")]
    assert row["diff_low"] < row["diff"] < row["diff_high"] and row["mdd"] > 0 and row["n_needed"] > 10


def test_three_instances_never_get_a_verdict_however_large_the_difference():
    cfg = config()
    frame = _per_instance({("baseline", "running"): [0.1, 0.2, 0.15], ("di_nas", "running"): [0.9, 0.95, 0.99],
                           ("control", "running"): [0.1, 0.2, 0.15]})
    out = paired.comparisons(cfg, frame)
    assert out.loc[out["run"] == "di_nas", "verdict"].item() == "too few instances (n = 3)"
    assert out["p_holm"].isna().all() and out.loc[out["run"] == "di_nas", "p"].item() == pytest.approx(0.25)


def test_bad_contrasts_and_removed_keys_are_refused_in_one_line():
    from wsnas.config import load

    for contrasts, message in (([{"run": "di_nas", "against": "nope"}], r"comparison.contrasts\[0\].against: 'nope'"),
                               ([{"run": "di_nas", "against": "di_nas"}], r"comparison.contrasts\[0\]: run and against"),
                               ([{"run": "di_nas", "against": "baseline"}], "compared with the baseline"),
                               ([{"run": "di_nas", "against": "control"}, {"run": "control", "against": "di_nas"}],
                                r"comparison.contrasts\[1\]: control against di_nas is already")):
        with pytest.raises(WsnasError, match=message):
            search_runs(config(contrasts=contrasts))
    with pytest.raises(WsnasError, match="config key 'comparison.bootstrap' was removed"):
        load(overrides=["comparison.bootstrap=1000"])


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
    """Synthetic accuracy, dense, epoch-record and benchmark files through the metrics job and Table 5: GT-Tau,
    S-Tau, T1R, P@Top5%, regret, the window metrics, the paired difference, the cost ratio and the DI-NAS runs'
    mechanism records (first epoch every instance recorded, middle, last; mean, lowest, highest), recomputed
    here."""
    cfg = config()
    rng = np.random.default_rng(0)
    gt = rng.random(64)
    pd.DataFrame({"child": CHILDREN, "mean": gt, "std": 0.0, "seeds": 2, "rank": metrics.ranks(gt)}).to_csv(tmp_path / "gt.csv", index=False)
    finals, files, ratios = {}, {}, {}
    for run, s in cfg["searches"].items():
        epochs = s["epochs"] or cfg["train"]["epochs"]
        acc, dense, history = {}, [], []
        for i in range(s["instances"]):
            per_epoch = gt + rng.normal(0, 0.3 if run == "baseline" else 0.1, (epochs, 64))
            finals[run, i] = per_epoch[-1]
            folder = tmp_path / run / str(i)
            acc.setdefault("running", []).append(_accuracy_file(folder / "accuracy_running.csv", per_epoch))
            acc.setdefault("recalibrate", []).append(_accuracy_file(folder / "accuracy_recalibrate.csv", per_epoch[-1:] + 0.01))
            dense.append(_dense_file(folder / "dense.csv", gt + rng.normal(0, 0.2, (3, 64))))
            record = pd.DataFrame({"epoch": range(1, epochs + 1), "lr": 0.1})
            if s["method"]["name"] == "di_nas":  # epoch 1 of instance 0 unrecorded (NaN): shown from epoch 2
                ratios[run, i] = rng.random(epochs) * ([np.nan] + [1] * (epochs - 1) if i == 0 else 1)
                record = record.assign(dinas_ratio_pointwise=ratios[run, i], dinas_ratio_depthwise=0.5, dinas_ratio_head=1.0)
            record.to_csv(folder / "epochs.csv", index=False)
            history.append(folder / "epochs.csv")
            (tmp_path / "bench" / run).mkdir(parents=True, exist_ok=True)
            (tmp_path / "bench" / run / f"{i}.tsv").write_text(f"s\th:m:s\tmax_rss\n{10.0 * (2 if run == 'di_nas' else 1) + i}\t0:00:10\t1\n")
        names = {k: tmp_path / "metrics" / run / f"{k}.csv" for k in ("instances", "summary", "disturbance", "picks",
                                                                       "mechanism")}
        names["instances"].parent.mkdir(parents=True)
        reports.search_metrics(run, acc, dense, tmp_path / "gt.csv", "running", 2, 2, 3, **names, history=history,
                               method=s["method"])
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
                           benchmarks, outputs, tmp_path / "comparisons.csv",
                           mechanisms=[files[r]["mechanism"] for r in cfg["searches"]])
    table = pd.read_csv(outputs[0], dtype={"pick_mode": str}).set_index(["run", "bn_mode"])
    compared = pd.read_csv(tmp_path / "comparisons.csv").set_index(["run", "ranking"])
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
        assert not np.isnan(row["gt_tau_mean_k"])
        if run != "baseline":
            pair = compared.loc[(run, "running")]
            d = [gt_tau[run, i] - gt_tau["baseline", i] for i in range(n)]
            assert pair["diff"] == pytest.approx(np.mean(d)) and pair["n"] == n
            assert pair["p"] == pytest.approx(stats.sign_flip_p(d))
            assert (pair["diff_low"], pair["diff_high"]) == pytest.approx(stats.t_interval(d))
            assert pair["verdict"] == f"too few instances (n = {n})"
        assert np.isnan(table.loc[(run, "recalibrate"), "gt_tau_mean_k"])  # the dense window is a running-mode number
    assert table.loc[("di_nas", "running"), "train_cost_ratio"] == pytest.approx(21 / 11)
    assert table["paper"].notna().groupby("run").any().to_dict() == {"baseline": False, "control": False, "di_nas": True}
    md = outputs[1].read_text()
    assert "GT-Tau-Mean-2" in md and "| DI-NAS " in md and "GT-Tau 0.48" in md
    headline = md.split("\n\n")[1].splitlines()
    assert [h.strip() for h in headline[0].split("|")[1:-1]] == [h for h in ("Run", "Ranking", "n", "GT-Tau", "Δ vs baseline [95 % CI]",
                                                               "p (Holm)", "MDD", "n needed", "Verdict", "Regret", "Cost ×")]
    assert all(len(line) < 200 for line in headline)  # no option strings in the headline
    mechanisms = md.split("### Mechanisms")[1].split("###")[0]
    assert "Single path" not in mechanisms and len(pd.read_csv(files["baseline"]["mechanism"])) == 0
    for run, label in (("di_nas", "DI-NAS"), ("control", "control")):
        n, epochs = cfg["searches"][run]["instances"], cfg["searches"][run]["epochs"] or cfg["train"]["epochs"]
        values = np.array([ratios[run, i] for i in range(n)])
        shown = {"First": 1, "Middle": 1 + (epochs - 2) // 2, "Last": epochs - 1}  # rows of values, epoch 1 dropped
        row = next(line for line in mechanisms.splitlines() if line.startswith(f"| {label} ") and "pointwise" in line)
        cells = [c.strip() for c in row.split("|")[1:-1]]
        assert cells[2] == str(n)
        for cell, at in zip(cells[3:], shown.values()):
            v = values[:, at]
            assert cell == f"{v.mean():.3g} [{v.min():.3g}, {v.max():.3g}] (epoch {at + 1})"
        depthwise = next(line for line in mechanisms.splitlines() if line.startswith(f"| {label} ") and "depthwise" in line)
        assert depthwise.split("|")[4].strip() == "0.5 [0.5, 0.5] (epoch 1)"  # recorded by every instance from epoch 1

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


def test_the_remedies_sentences_are_generated_from_the_comparison_rows():
    """Each sentence carries its row's difference, interval, n and adjusted p, says better or worse only with
    the verdict, and says how many instances a conclusive answer needs when there is none."""
    from wsnas.reporting.comparison import finding

    rng = np.random.default_rng(4)
    base = rng.normal(0.3, 0.1, 10)
    cfg = config(contrasts=[{"run": "di_nas", "against": "control"}])
    frame = _per_instance({("baseline", "running"): base, ("di_nas", "running"): base + 0.3 + rng.normal(0, 0.02, 10),
                           ("control", "running"): base[:3] + rng.normal(0, 0.05, 3)})
    out = paired.comparisons(cfg, frame).set_index(["kind", "run"], drop=False)
    labels = {"baseline": "Single path", "di_nas": "DI-NAS", "control": "Control"}
    better = finding(out.loc[("baseline", "di_nas")], labels, cfg["comparison"])
    row = out.loc[("baseline", "di_nas")]
    assert better.startswith("**DI-NAS** (running) against Single path")
    assert f"{row['diff']:+.3f}" in better and f"{row['diff_low']:+.3f}" in better and "n = 10" in better
    assert f"Holm-adjusted {row['p_holm']:.3g}" in better and better.endswith("ranks better.")
    few = finding(out.loc[("baseline", "control")], labels, cfg["comparison"])
    needed = int(out.loc[("baseline", "control"), "n_needed"])
    assert "too few instances" in few and "better" not in few and (f"about {needed} instances" in few or "more than" in few)
    five = paired.comparisons(cfg, _per_instance({("baseline", "running"): base[:5], ("di_nas", "running"): base[:5] + 0.3,
                                                  ("control", "running"): base[:5] + 0.3}))
    text = finding(five.set_index(["kind", "run"], drop=False).loc[("baseline", "di_nas")], labels, cfg["comparison"])
    assert "no evidence" in text and "cannot go below p = 0.0625" in text


def test_a_mechanism_label_with_a_pipe_stays_in_its_cell(tmp_path):
    """Table 5's Mechanisms rows keep their six columns whatever a declared record's label holds."""
    import re

    from wsnas.methods.declaration import Record
    from wsnas.reporting.methods_table import _mechanisms
    from wsnas.reporting.searches import mechanism

    path = tmp_path / "epochs.csv"
    pd.DataFrame({"epoch": [1, 2, 3], "change": [0.0, 0.1, 0.2]}).to_csv(path, index=False)
    records = mechanism("dcnas", [Record("|w - w0| / |w0|", "change")], [path])
    assert list(records["epoch"]) == [1, 2, 3] and list(records["mean"]) == pytest.approx([0.0, 0.1, 0.2])
    table = _mechanisms(records, {"dcnas": "DCNAS"}).to_markdown(index=False).splitlines()
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in table} == {7}
