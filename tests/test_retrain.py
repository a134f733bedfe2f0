"""Final retraining of the picks (wsnas.plan.retrain) and seed 002's remedies as rows of Table 5: a pick
shared by several runs trains once per seed, the ground truth is reused exactly when the settings make the
same network, and the table's retrained and remedy numbers follow from synthetic result files."""

import numpy as np
import pandas as pd
import pytest

from tests.helpers import tiny_config
from tests.test_searches import config as search_config_with
from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.jobs import reports
from wsnas.plan.retrain import retrain_config, retrain_jobs, retrain_seeds, reuses_ground_truth
from wsnas.plan.searches import remedy_runs
from wsnas.reporting import comparison, metrics
from wsnas.reporting.results import CHILDREN


def _config(**retrain):
    cfg = tiny_config()
    return merged(cfg, retrain={"top_k": 1, "seeds": None, "epochs": None, "lr": None, **retrain})


def test_the_ground_truth_is_reused_exactly_when_the_settings_match():
    cfg = _config()
    assert all(reuses_ground_truth(cfg, c, s) for c in ("111", "243", "444") for s in retrain_seeds(cfg))
    gt_epochs = cfg["ground_truth"]["epochs"] or cfg["train"]["epochs"]
    for changed in ({"epochs": gt_epochs + 1}, {"lr": cfg["train"]["lr"] / 2}):
        assert not reuses_ground_truth(_config(**changed), "243", 0), changed
    assert reuses_ground_truth(_config(epochs=gt_epochs, lr=cfg["train"]["lr"]), "243", 0)  # the same values, spelled out
    more = _config(seeds=cfg["ground_truth"]["seeds"] + 1)
    assert [reuses_ground_truth(more, "243", s) for s in retrain_seeds(more)][-1] is False  # a seed the GT never trained
    # the ground truth trains in chunks: reuse finds the chunk that holds the child
    chunked = merged(cfg, ground_truth={"chunks": 4})
    assert retrain_jobs(chunked, ["444"])[("444", 0)] == "results/ground_truth/seed0/chunk3.csv"
    assert retrain_config(cfg, "243", 1)["train"]["children"] == ["243"]


def test_a_pick_shared_by_two_methods_is_retrained_once_per_seed():
    cfg = _config(epochs=5, seeds=2)
    jobs = retrain_jobs(cfg, ["243", "111", "243", "243"])  # two runs, instances and modes picking 243
    assert sorted(jobs) == [("111", 0), ("111", 1), ("243", 0), ("243", 1)]
    assert jobs[("243", 1)] == "results/retrain/243/seed1.csv"


def test_remedies_must_be_study_runs_with_two_instances():
    cfg = merged(search_config_with(), comparison={"studies": {"group-m99": "no such run"}})
    cfg["studies"] = tiny_config()["studies"]
    with pytest.raises(WsnasError, match="comparison.studies.group-m99: no such study run"):
        remedy_runs(cfg)


def _write(frame, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def test_retrained_accuracy_and_remedy_rows_of_table5(tmp_path):
    """Two runs (the baseline and a remedy study run) through their metric jobs, the retraining results and
    Table 5: the remedy's GT-Tau is its final dense rows', and each row's retrained accuracy is the mean over
    instances and seeds of its picks' retrained accuracy (one from the ground truth, one retrained)."""
    rng = np.random.default_rng(1)
    gt = rng.random(64)
    gt_file = _write(pd.DataFrame({"child": CHILDREN, "mean": gt, "std": 0.0, "seeds": 2, "rank": metrics.ranks(gt)}),
                     tmp_path / "gt.csv")
    cfg = search_config_with(bn_modes=["running"], studies={"group-similarity-m16": "Group sharing"})
    cfg["searches"] = {"baseline": cfg["searches"]["baseline"]}
    cfg["retrain"] = {"top_k": 1, "seeds": 2, "epochs": 7, "lr": None}
    files, finals = {}, {}
    # the baseline: accuracy tables per instance
    acc = []
    for i in range(3):
        final = gt + rng.normal(0, 0.2, 64)
        finals["baseline", i] = final
        epochs = [pd.DataFrame({"epoch": e, "child": CHILDREN, "accuracy": a, "loss": 0.0})
                  for e, a in ((1, rng.random(64)), (2, final))]
        acc.append(_write(pd.concat(epochs), tmp_path / f"baseline/{i}/accuracy_running.csv"))
    dense = [_write(pd.DataFrame([[s, "111", *(gt + rng.normal(0, 0.2, 64))] for s in (1, 2)],
                                 columns=["step", "trained", *CHILDREN]), tmp_path / f"baseline/{i}/dense.csv")
             for i in range(3)]
    files["baseline"] = {k: tmp_path / f"m/baseline/{k}.csv" for k in ("instances", "summary", "disturbance", "picks")}
    files["baseline"]["instances"].parent.mkdir(parents=True)
    reports.search_metrics("baseline", {"running": acc}, dense, gt_file, "running", 2, 1, 1, **files["baseline"])
    # the remedy: dense tables only; its ranking is the last row
    study_dense = []
    for i in range(2):
        rows = gt + rng.normal(0, 0.1, (3, 64))
        finals["group-similarity-m16", i] = rows[-1]
        study_dense.append(_write(pd.DataFrame([[s, "111", *r] for s, r in zip((5, 6, 7), rows)],
                                               columns=["step", "trained", *CHILDREN]), tmp_path / f"study/{i}/dense.csv"))
    files["remedy"] = {k: tmp_path / f"m/remedy/{k}.csv" for k in ("instances", "summary", "picks")}
    files["remedy"]["instances"].parent.mkdir(parents=True)
    reports.remedy_metrics("group-similarity-m16", study_dense, gt_file, "running", 2, 1, **files["remedy"])
    # the checkpoint's table and the retraining results: each pick's child, seed 0 from the ground truth's
    # chunk (all 64 children), seed 1 retrained alone
    picks = tmp_path / "picks.csv"
    reports.retrain_picks([files["baseline"]["picks"], files["remedy"]["picks"]], picks)
    chosen = pd.read_csv(picks, dtype={"child": str})
    assert len(chosen) == 3 + 2
    retrained_acc = {c: float(rng.random()) for c in chosen["child"].unique()}
    results = [_write(pd.DataFrame({"child": CHILDREN, "epoch": 3, "accuracy": gt, "loss": 0.0}),
                      tmp_path / "results/ground_truth/seed0/chunk0.csv")]
    results += [_write(pd.DataFrame({"child": [c, c], "epoch": [6, 7], "accuracy": [0.0, a], "loss": 0.0}),
                       tmp_path / f"results/retrain/{c}/seed1.csv") for c, a in retrained_acc.items()]
    reports.retrain_results(picks, results, [0, 1], tmp_path / "retrain.csv")
    outputs = [tmp_path / f"t5.{e}" for e in ("csv", "md", "tex")]
    benchmarks = []
    for run, n in (("baseline", 3), ("group-similarity-m16", 2)):
        for i in range(n):
            path = tmp_path / f"bench/{run}/{i}.tsv"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"s\th:m:s\n{10.0 if run == 'baseline' else 40.0}\t0:00:10\n")
            benchmarks.append(str(path))
    reports.table5_methods(cfg, [files["baseline"]["summary"], files["remedy"]["summary"]],
                           [files["baseline"]["instances"], files["remedy"]["instances"]], benchmarks, outputs,
                           tmp_path / "comparisons.csv", retrain=tmp_path / "retrain.csv")
    table = pd.read_csv(outputs[0]).set_index("run")
    for run, n in (("baseline", 3), ("group-similarity-m16", 2)):
        row = table.loc[run]
        pick = [CHILDREN[int(np.argmax(finals[run, i]))] for i in range(n)]
        assert row["gt_tau"] == pytest.approx(np.mean([metrics.gt_tau(finals[run, i], gt) for i in range(n)]))
        per_pick = [v for c in pick for v in (gt[CHILDREN.index(c)], retrained_acc[c])]
        assert row["retrained_acc"] == pytest.approx(np.mean(per_pick))
        assert row["retrained_source"] == "ground truth + retrained"
    assert pd.isna(table.loc["group-similarity-m16", "paired"])  # not paired with the baseline
    assert len(pd.read_csv(tmp_path / "comparisons.csv")) == 0  # the baseline alone: nothing to compare
    assert table.loc["group-similarity-m16", "train_cost_ratio"] == pytest.approx(4.0)
    assert "| Group sharing " in outputs[1].read_text()
    # the paper comparison's "Remedies" section is generated from the same long form
    md = comparison.remedies_section(cfg, outputs[0], tmp_path / "comparisons.csv")
    lines = {line.split(" | ")[0]: line for line in md.splitlines() if line.startswith("| ")}
    assert set(lines) >= {"| Single path", "| Group sharing"}
    assert "Group sharing" not in md.split("### What the comparisons show")[1]  # no sentence about an unpaired row
    assert f"{table.loc['group-similarity-m16', 'gt_tau']:.4f}" in lines["| Group sharing"]
    assert "GT-Tau-Mean-64 0.7200 ± 0.0213" in lines["| Group sharing"]  # Zhang et al., Table 3a, quoted from paper.py
