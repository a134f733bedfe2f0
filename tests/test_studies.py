"""Study runs of Tables 3-4 and Figures 4-9: run configs, group training, window metrics, fine-tuning,
the comparison verdicts."""

import numpy as np
import pandas as pd
import pytest
import torch

from tests.helpers import tiny_config
from wsnas.reporting import analysis
from wsnas.reporting import comparison
from wsnas.reporting import metrics
from wsnas.errors import WsnasError
from wsnas.training.evaluate import evaluate_children
from wsnas.training.finetune import finetune_children
from wsnas.core.space import CHILD_IDS, child_index
from wsnas.plan.studies import study_config, study_runs
from wsnas.core.sharing import group_members
from wsnas.training.drivers import train_study_run
from wsnas.training.loop import Loop


def test_group_partitions_random_is_seeded_and_kept_across_instances_similarity_is_lexicographic():
    cfg = tiny_config("studies.group.groups=[8]", "studies.group.figure6_groups=8", "studies.group.groupings=['random','similarity']")
    a = group_members(study_config(cfg, "group-random-m8", 0)["sharing"])
    b = group_members(study_config(cfg, "group-random-m8", 5)["sharing"])
    assert a == b and sorted(sum(a, [])) == list(range(64)) and all(len(g) == 8 for g in a)
    assert study_config(cfg, "group-random-m8", 0)["train"]["init_seed"] != study_config(cfg, "group-random-m8", 5)["train"]["init_seed"]
    other = group_members(study_config(tiny_config("studies.group.groups=[8]", "studies.group.figure6_groups=8", "studies.group.grouping_seed=1"), "group-random-m8", 0)["sharing"])
    assert other != a  # another grouping seed, another partition
    similar = group_members(study_config(cfg, "group-similarity-m8", 0)["sharing"])
    assert [CHILD_IDS[c] for c in similar[0]] == ["111", "112", "113", "114", "121", "122", "123", "124"]
    assert [CHILD_IDS[c] for c in similar[1]][:1] == ["131"]


def test_study_runs_and_their_errors():
    cfg = tiny_config()
    runs = study_runs(cfg)
    assert {"fig5a", "fig8_bn09", "group-m1", "group-m64", "group-random-m16", "prefix-e2000-k0"} <= set(runs)
    assert "group-random-m1" not in runs and "prefix-e200-k3" not in runs  # tiny model: 2 cells
    c = study_config(cfg, "fig8_bn09", 2)
    assert c["model"]["bn_momentum"] == 0.9 and c["train"]["init_seed"] == 2 and c["train"]["dense_eval_steps"] == 128
    assert study_config(cfg, "fig9", 0)["train"]["momentum"] == 0.0
    p = study_config(cfg, "prefix-e200-k1", 0)
    assert p["sharing"] == {**p["sharing"], "mode": "prefix", "prefix_cells": 1} and p["train"]["epochs"] == 200
    with pytest.raises(WsnasError, match="study run 'nope'"):
        study_config(cfg, "nope", 0)
    with pytest.raises(WsnasError, match="figure6_groups=4 is not in studies.group.groups"):
        study_runs(tiny_config("studies.group.groups=[8,16]", "studies.group.figure6_groups=4"))


def test_group_run_trains_each_group_alone_and_joins_their_dense_rows(tmp_path, tiny_data):
    cfg = tiny_config("studies.group.groups=[16]", "studies.group.figure6_groups=16", "studies.group.epochs=1", "studies.dense_steps=3", "studies.window=3")
    run = study_config(cfg, "group-random-m16", 0)
    table = train_study_run(run, tiny_data, tmp_path)
    assert len(table) == 3 and not table[list(CHILD_IDS)].isna().any().any()
    members = group_members(run["sharing"])
    for names in table["trained"]:
        trained = [child_index(c) for c in names.split()]
        assert len(trained) == 16 and all(c in g for c, g in zip(trained, members))  # one child per group per step
    # each group is an ordinary supernet over its children: group 0 alone gives the same accuracies
    alone = Loop(run | {"sharing": {**run["sharing"], "mode": "full"}}, tiny_data, tmp_path / "alone", children=members[0]).run()
    cols = [CHILD_IDS[c] for c in members[0]]
    np.testing.assert_allclose(alone.dense_table()[cols].values, table[cols].values)


def test_window_metrics_by_hand():
    gt = np.arange(64, dtype=float)
    rows = [np.arange(64) * 0.01, -np.arange(64) * 0.01, np.arange(64) * 0.01]  # tau 1, -1, 1
    matrix = pd.DataFrame(rows, columns=list(CHILD_IDS), index=[10, 11, 12])
    m = analysis.window_metrics(matrix, gt, 2)
    assert m["gt_tau_mean"] == pytest.approx(0.0) and m["gt_tau_std"] == pytest.approx(1.0)
    assert m["gt_tau_min"] == -1 and m["gt_tau_max"] == 1
    per_child = (matrix.iloc[-2:].mean()).values  # child i: (−0.01 i + 0.01 i) / 2 = 0
    assert m["acc_mean"] == pytest.approx(per_child.mean()) and m["acc_std"] == pytest.approx(0.0)
    with pytest.raises(ValueError):
        analysis.window_metrics(matrix, gt, 4)


def test_finetune_moves_only_the_child_and_starts_from_the_snapshot(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=2")
    trainer = Loop(cfg, tiny_data, tmp_path).run()
    state = trainer.state_dict()
    a, b = child_index("222"), child_index("111")
    table = finetune_children(cfg, tiny_data, state, steps=3, children=[a, b])
    assert list(table["step"]) == [0, 0, 1, 2, 3, 1, 2, 3]
    snapshot, _ = evaluate_children(trainer.method.model, tiny_data, cfg["evaluate"], [a, b])
    assert table[table["step"] == 0]["accuracy"].tolist() == pytest.approx(snapshot.tolist())
    assert table[table["child"] == "222"]["loss"].nunique() == 4  # fine-tuning changes the child at every step
    # b's fine-tuning starts from the snapshot again, not from a's fine-tuned weights
    only_b = finetune_children(cfg, tiny_data, state, steps=3, children=[b])
    assert only_b[only_b["step"] > 0]["accuracy"].tolist() == table[(table["child"] == "111") & (table["step"] > 0)]["accuracy"].tolist()
    assert torch.equal(trainer.method.model.state_dict()["slots.head.0.linear.weight"], state["method"]["model"]["slots.head.0.linear.weight"])
    gt = np.linspace(0, 1, 64)
    taus = analysis.finetune_gt_tau(finetune_children(cfg, tiny_data, state, steps=1), gt)
    assert list(taus["step"]) == [0, 1] and taus["gt_tau"].between(-1, 1).all()


def test_comparison_verdicts_and_reference(tmp_path):
    assert comparison.verdict(0.50, 0.03, 0.45, 0.02, "GT-Tau") == "agrees (within 2σ)"  # 0.05 <= 2*0.036
    assert comparison.verdict(0.60, 0.01, 0.45, 0.02, "GT-Tau") == "differs"
    assert comparison.verdict(0.50, np.nan, 0.45, np.nan, "S-Tau").startswith("agrees")
    assert comparison.verdict(12, np.nan, 18.5, np.nan, "T1R") == "differs"
    assert comparison.verdict(0.5, 0.1, np.nan, np.nan, "S-Tau") == "no paper value"
    ref = tmp_path / "gt_mean.txt"
    ref.write_text("\n".join(str(v) for v in np.linspace(0.7, 0.8, 64)))
    assert comparison.read_reference(tmp_path)[-1] == pytest.approx(0.8)
    cfg = tiny_config(f"reference.ground_truth={ref}")
    md = comparison.reference_section(cfg, np.linspace(0, 1, 64), {"Different seeds": [np.linspace(0, 1, 64), -np.linspace(0, 1, 64)]})
    assert "Kendall tau between our ground-truth means and the reference: **1.0000**" in md
    assert "| Different seeds | 0.0000 ± 1.0000 | 0.0000 ± 1.0000 | 2 |" in md
    ref.write_text("0.1 0.2")
    with pytest.raises(WsnasError, match="reference.ground_truth: .* must hold 64 numbers"):
        comparison.read_reference(ref)
    assert metrics.kendall_tau([1, 2, 3], [1, 2, 3]) == 1
