"""The authors' protocol (``ultmaster/deeper-insights-weight-sharing``) where the paper is silent: one test
per difference that the line-by-line comparison found (docs/protocol.md)."""

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from tests.helpers import ROOT, scripted_method, sets, tiny_config, wsnas
from wsnas.training import checkpoint as ckpt
from wsnas import config as config_mod
from wsnas.errors import WsnasError
from wsnas.training.evaluate import evaluate_children
from wsnas.training.finetune import finetune_children, finetune_seed
from wsnas.core.model import WeightSharingNet
from wsnas.plan.runs import ground_truth_config, run_config
from wsnas.methods.child_order import ChildSampler
from wsnas.plan.settings import fingerprint, training_settings
from wsnas.core.sharing import group_members, group_partition
from wsnas.core.space import CHILD_IDS, child_index
from wsnas.plan.studies import figure6_members, study_config
from wsnas.reporting.tables import provenance, table1_stability, table2_ground_truth
from wsnas.training.drivers import train_supernet
from wsnas.training.loop import Loop
from wsnas.training.schedule import cosine_lr

CONFIGS = {name: config_mod.load(ROOT / "config" / f"{name}.yaml") for name in ("paper", "config", "test")}
PAPER_MODEL = {"stem_channels": 48, "stem_convs": 2, "cell_channels": 16, "num_cells": 4, "bn_momentum": 0.4}


# -- 1. child order (F2) ---------------------------------------------------------------------------------
def test_sequential_order_is_the_lexicographic_round_robin_and_the_default_everywhere():
    sampler = ChildSampler(range(64), "sequential", 7)
    assert [CHILD_IDS[sampler.next()] for _ in range(128)] == [*CHILD_IDS, *CHILD_IDS]
    group = ChildSampler([40, 3, 17], "sequential", 0)  # a group's members, ascending, cycled
    assert [group.next() for _ in range(7)] == [3, 17, 40, 3, 17, 40, 3]
    for name, cfg in CONFIGS.items():  # the demo and the test configuration follow the paper's protocol
        assert cfg["train"]["child_order"] == "sequential", name
        assert cfg["experiments"]["seeds"]["child_order"] == "sequential", name
        assert cfg["studies"]["group"]["child_order"] == cfg["studies"]["prefix"]["child_order"] == "sequential", name
        for run in ("fig5a", "fig7", "fig8_bn01", "fig8_bn09", "fig9"):
            assert cfg["studies"]["dense_runs"][run]["child_order"] == "sequential", (name, run)
        assert cfg["experiments"]["orders"]["child_order"] == "fixed"
        assert cfg["experiments"]["shuffle"]["child_order"] == cfg["studies"]["dense_runs"]["fig5b"]["child_order"] == "shuffle"


def test_fixed_and_shuffle_are_the_authors_numpy_orders():
    """``one_<seed>``: one RandomState(seed) shuffle of the lexicographic list; ``every_<seed>``: the same
    RandomState reshuffles the list in place at the start of every cycle."""
    once = list(range(64))
    np.random.RandomState(3).shuffle(once)
    fixed = ChildSampler(range(64), "fixed", 3)
    assert [fixed.next() for _ in range(128)] == once + once
    rng, order, expected = np.random.RandomState(5), list(range(64)), []
    for _ in range(3):
        rng.shuffle(order)
        expected += order
    shuffle = ChildSampler(range(64), "shuffle", 5)
    assert [shuffle.next() for _ in range(192)] == expected
    resumed = ChildSampler(range(64), "shuffle", 0)
    half = ChildSampler(range(64), "shuffle", 5)
    for _ in range(100):
        half.next()
    resumed.load_state_dict(half.state_dict())
    assert [resumed.next() for _ in range(92)] == expected[100:]


def test_every_window_of_64_steps_trains_each_child_once(tmp_path, tiny_data):
    trainer = Loop(tiny_config("train.epochs=9"), tiny_data, tmp_path)
    trained = []
    while trainer.epoch < 9:  # 9 epochs of 10 steps: the cycle runs across epoch boundaries
        trainer.train_epoch(on_step=lambda tr: trained.append(tr._last_child))
    assert len(trained) == 90
    for start in range(len(trained) - 63):
        assert sorted(trained[start:start + 64]) == list(range(64))


# -- 2. prefix sharing: private copies move only on their own child's steps (F1) --------------------------
def _prefix_trainer(path, data, children, k=1):
    cfg = tiny_config("sharing.mode=prefix", f"sharing.prefix_cells={k}", "train.epochs=1", "train.inactive_grads=zero")
    return Loop(cfg, data, path, method=scripted_method(cfg, data, children))


def test_private_copies_move_only_on_their_own_childs_steps(tmp_path, tiny_data):
    a, b, c = child_index("222"), child_index("111"), child_index("333")
    trainer = _prefix_trainer(tmp_path, tiny_data, [a, b, b, b, a, b, b])
    model = trainer.method.model
    head = {x: model.slots["head"][x].linear.weight for x in (a, b, c)}
    cell1 = {x: model.slots["cell1"][x].edges[0][1][1].weight for x in (a, b, c)}  # sep_conv_3x3's first conv
    shared_sep3 = model.slots["cell0"][0].edges[0][1][1].weight  # shared (k = 1), used by a only
    watched = [*head.values(), *cell1.values(), shared_sep3]
    before = [w.detach().clone() for w in watched]
    snapshots = []
    trainer.train_epoch(on_step=lambda tr: snapshots.append([w.detach().clone() for w in watched]))
    steps = [before, *snapshots]
    trained = [a, b, b, b, a, b, b, *([b] * len(steps))]
    for i in range(1, 8):
        for j, x in enumerate((a, b, c)):
            for weights in (0, 3):  # the head, and a private cell's weight
                moved = not torch.equal(steps[i][weights + j], steps[i - 1][weights + j])
                assert moved == (trained[i - 1] == x and not (weights == 3 and x != a)), (i, CHILD_IDS[x], weights)
        # the shared part keeps the authors' zeroed-gradient semantics: momentum and decay on b's steps too
        assert not torch.equal(steps[i][6], steps[i - 1][6])
    for w, w0 in zip(watched, before):
        if w is head[c] or w is cell1[c]:
            assert torch.equal(w, w0)  # child 333 never trained: its private copies are bit-identical


def test_prefix_training_resumes_bit_identically(tmp_path, tiny_data):
    cfg = tiny_config("sharing.mode=prefix", "sharing.prefix_cells=0", "train.epochs=3")
    straight = Loop(cfg, tiny_data, tmp_path / "a").run()
    part = Loop(cfg, tiny_data, tmp_path / "b")
    part.train_epoch()
    part.save()
    resumed = Loop(cfg, tiny_data, tmp_path / "b").run().method.model.state_dict()
    for key, value in straight.method.model.state_dict().items():
        assert torch.equal(value, resumed[key]), key


# -- 3. the random partition (F3) ------------------------------------------------------------------------
def test_random_partition_is_the_authors_stable_partition():
    mapping = [i % 16 for i in range(64)]
    np.random.RandomState(42).shuffle(mapping)
    assert group_partition(16, "random", 42) == mapping
    members = group_members({"groups": 16, "grouping": "random", "grouping_seed": 42})
    assert [CHILD_IDS[c] for c in members[group_partition(16, "random", 42)[child_index("424")]]] == ["143", "144", "344", "424"]
    assert sorted(len(m) for m in members) == [4] * 16
    assert CONFIGS["paper"]["studies"]["group"]["grouping_seed"] == 42
    assert figure6_members(CONFIGS["paper"]) == ["143", "144", "344", "424"]
    for name, cfg in CONFIGS.items():
        assert cfg["studies"]["group"]["grouping_seed"] == 42, name


# -- 4. cell preprocessing BN without affine parameters (F4) ---------------------------------------------
def test_paper_network_has_the_authors_58074_parameters_and_old_checkpoints_are_refused(tmp_path, tiny_data):
    model = WeightSharingNet(PAPER_MODEL, {"mode": "full"})
    assert sum(p.numel() for p in model.parameters()) == 58074
    assert not model.slots["cell0"][0].preprocess[2].affine
    trainer = Loop(tiny_config("train.epochs=1"), tiny_data, tmp_path).run()
    state = trainer.state_dict()
    old = {k: v for k, v in state.items() if k != "protocol"}  # written before the protocol existed
    with pytest.raises(WsnasError, match="protocol 1 .*affine.*delete it"):
        Loop(tiny_config("train.epochs=1"), tiny_data, tmp_path).load_state_dict(old, "old.pt")
    with pytest.raises(WsnasError, match="checkpoint old.pt was written under protocol 1"):
        ckpt.checked_method_state(old, "old.pt", "single_path", "")
    torch.save(old, tmp_path / "old.pt")
    out = wsnas("evaluate", *sets(), "--checkpoint", str(tmp_path / "old.pt"), cwd=ROOT)
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and "protocol 1" in out.stderr


# -- 5. fine-tuning from a fresh optimiser (F5) ----------------------------------------------------------
def test_finetuning_starts_each_child_with_a_fresh_sgd(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=20")
    trainer = Loop(cfg, tiny_data, tmp_path)
    for _ in range(10):
        trainer.train_epoch()
    state = trainer.state_dict()
    assert state["method"]["optimizer"]["state"]  # the snapshot carries the supernet's momentum buffers
    child = child_index("222")
    table = finetune_children(cfg, tiny_data, state, steps=3, children=[child])
    t = cfg["train"]

    def by_hand(inherit_momentum):
        model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=tiny_data.classes).to(memory_format=tiny_data.memory_format)
        model.load_state_dict(state["method"]["model"])
        optimizer = torch.optim.SGD(model.parameters(), lr=cosine_lr(10, 20, t["lr"], t["lr_min"]),
                                    momentum=t["momentum"], weight_decay=t["weight_decay"])
        if inherit_momentum:
            optimizer.load_state_dict(state["method"]["optimizer"])
        losses = []
        for _, (x, y, _index) in zip(range(3), tiny_data.train_batches(tiny_data.make_generator(finetune_seed(t, 10)), t["batch_size"])):
            model.train()
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(model(x, child), y).backward()
            optimizer.step()
            losses.append(float(evaluate_children(model, tiny_data, cfg["evaluate"], [child])[1][0]))
        return losses

    ours = table[table["step"] > 0]["loss"].tolist()
    assert ours == pytest.approx(by_hand(False), rel=1e-6)
    assert ours != pytest.approx(by_hand(True), rel=1e-6)  # inheriting the momentum would change the curve


# -- 6. precision (F6) -----------------------------------------------------------------------------------
def test_paper_config_pins_fp32_and_every_report_states_the_precision():
    paper = CONFIGS["paper"]
    assert paper["train"]["precision"] == paper["evaluate"]["precision"] == "fp32"
    assert "precision: training fp32, evaluation fp32" in provenance(paper)
    assert "auto: bf16 autocast on CUDA" in provenance(CONFIGS["config"])
    bf16 = config_mod.merged(paper, train={"precision": "bf16"})
    assert fingerprint(training_settings(bf16)) != fingerprint(training_settings(paper))  # never resumed as fp32


# -- 7. an instance changes the init and the data order (F7) ---------------------------------------------
def test_instances_vary_the_init_and_the_data_order():
    for name, cfg in CONFIGS.items():
        seeds = run_config(cfg, "seeds", 3)["train"]
        assert seeds["init_seed"] == seeds["data_seed"] == 3, name
        orders = run_config(cfg, "orders", 3)["train"]
        assert (orders["order_seed"], orders["init_seed"], orders["data_seed"]) == (3, 0, 0)
    cfg = CONFIGS["test"]
    for run in ("fig9", "group-m1", "prefix-e2-k0"):
        train = study_config(cfg, run, 2)["train"]
        assert train["init_seed"] == train["data_seed"] == 2, run


# -- 8. "Different epochs" is one instance's own statistics (F8) -----------------------------------------
def _write(path, rows):
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_different_epochs_rows_are_one_instances_own_numbers(tmp_path):
    cfg = tiny_config("analysis.last_epochs=2")
    for experiment in cfg["experiments"].values():
        experiment["instances"] = 3
    assert cfg["analysis"]["epochs_instance"] is None  # the default: the experiment's last instance (the paper's 9 of 10)
    stability = {"epoch": [1, 2], "s_tau": [0.1, 0.2], "s_tau_std": [0.0, 0.0], "s_tau_max": [0.3, 0.4],
                 "s_tau_min": [0.0, 0.1], "rankings": [3, 3]}
    last = {name: _write(tmp_path / f"{name}_last.csv", {
        "instance": [0, 1, 2], "s_tau": [0.30 + k, 0.50 + k, 0.70 + k], "s_tau_std": [0.01, 0.02, 0.03],
        "s_tau_max": [0.9, 0.8, 0.95], "s_tau_min": [0.1, 0.2, -0.05]}) for k, name in ((0.0, "seeds"), (0.01, "orders"), (0.02, "shuffle"))}
    gt = {name: _write(tmp_path / f"{name}_gt.csv", {
        "instance": [i for i in range(3) for _ in range(3)], "epoch": [1, 2, 3] * 3,
        "gt_tau": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], "t1r": [1] * 9, "t3r": [1] * 9}) for name in ("seeds", "orders", "shuffle")}
    table1 = {"stability": [_write(tmp_path / f"{n}_st.csv", stability) for n in ("seeds", "orders", "shuffle")],
              "last_epochs": [last[n] for n in ("seeds", "orders", "shuffle")],
              "random_rank": _write(tmp_path / "rr.csv", {k: [v[0]] for k, v in stability.items() if k != "epoch"}),
              "gt_stability": _write(tmp_path / "gts.csv", stability)}
    gt_seeds = _write(tmp_path / "gtseeds.csv", {"seed": [0, 1], "epoch": [2, 2], "gt_tau": [0.8, 0.9], "t1r": [1, 2], "t3r": [1, 1]})
    t1 = table1_stability(cfg, **table1).set_index(["row", "metric"])
    row = t1.loc["Different epochs"]  # instance 2 of shuffle: its own mean, std, max and min
    assert (row.loc["S-Tau", "ours"], row.loc["S-Tau", "ours_std"], row.loc["Max Tau", "ours"], row.loc["Min Tau", "ours"],
            row.loc["S-Tau", "n"]) == pytest.approx((0.72, 0.03, 0.95, -0.05, 2))
    spread = t1.loc["Different epochs (range over instances)"]  # shuffle and seeds instances
    assert (spread.loc["S-Tau", "ours"], spread.loc["Max Tau", "ours"], spread.loc["Min Tau", "ours"],
            spread.loc["S-Tau", "n"]) == pytest.approx((0.51, 0.72, 0.30, 6))
    assert (spread.loc["Max Tau", "paper"], spread.loc["Min Tau", "paper"]) == (0.63, 0.39)
    t2 = table2_ground_truth(cfg, [gt[n] for n in ("seeds", "orders", "shuffle")], gt_seeds).set_index(["row", "metric"])
    assert t2.loc[("Different epochs", "GT-Tau"), "ours"] == pytest.approx(0.85)  # the same instance's last 2 epochs
    assert "instance 2 of" in t2.loc[("Different epochs", "GT-Tau"), "statistic"]
    assert "instance 2 of" in t1.loc[("Different epochs", "S-Tau"), "statistic"]
    one = config_mod.merged(cfg, analysis={"epochs_instance": 0})
    assert table1_stability(one, **table1).set_index(["row", "metric"]).loc[("Different epochs", "S-Tau"), "ours"] == pytest.approx(0.32)
    assert CONFIGS["paper"]["analysis"]["epochs_instance"] == 9 and CONFIGS["paper"]["analysis"]["epochs_experiment"] == "shuffle"


# -- 9. group mode from the command line (F9) ------------------------------------------------------------
def test_cli_group_mode_trains_every_group_for_the_full_schedule(tmp_path, tiny_data):
    args = sets("train.epochs=2", "sharing.mode=group", "sharing.groups=2", "sharing.grouping=similarity")
    out = wsnas("train-supernet", *args, "--checkpoints", str(tmp_path / "g"), cwd=ROOT)
    assert out.returncode == 0, out.stderr
    for group in ("group00", "group01"):
        assert list(ckpt.epoch_files(tmp_path / "g" / group)) == [1, 2]
        assert int(ckpt.load_checkpoint(tmp_path / "g" / group / "epoch_0002.pt")["step"]) == 2 * tiny_data.steps_per_epoch(128)
    with pytest.raises(WsnasError, match="sharing.mode=group"):
        train_supernet(tiny_config("sharing.mode=group", "sharing.groups=2"), tiny_data, tmp_path / "x")


# -- 10. private copies start from one initialisation (N1) -----------------------------------------------
def test_private_copies_start_as_clones_of_the_full_networks_initialisation():
    torch.manual_seed(3)
    full = WeightSharingNet(PAPER_MODEL, {"mode": "full"})
    torch.manual_seed(3)
    prefix = WeightSharingNet(PAPER_MODEL, {"mode": "prefix", "prefix_cells": 1, "copy_init": "identical"})
    for slot in ("stem", "cell0", "cell1", "cell3", "head"):
        reference = full.slots[slot][0].state_dict()
        for copy in prefix.slots[slot]:
            for key, value in copy.state_dict().items():
                assert torch.equal(value, reference[key]), (slot, key)
    assert len(prefix.slots["head"]) == 64
    torch.manual_seed(3)
    independent = WeightSharingNet(PAPER_MODEL, {"mode": "prefix", "prefix_cells": 1, "copy_init": "independent"})
    assert not torch.equal(independent.slots["head"][0].linear.weight, independent.slots["head"][1].linear.weight)
    assert CONFIGS["paper"]["sharing"]["copy_init"] == "identical"


# -- 11. stale evaluations: what a job's result depends on, and nothing else --------------------------------
def test_job_settings_hold_exactly_what_a_result_depends_on():
    cfg = CONFIGS["test"]
    merged = config_mod.merged
    gt = ground_truth_config(cfg, 0, 0)
    settings = training_settings(gt, evaluates=True)
    faster = merged(gt, train={"threads": 3, "channels_last": "off", "stacked": "on", "compile": "on", "cuda_graphs": "off",
                                  "streams": 4, "device": "cpu"},
                    evaluate={"batch_size": 7}, data={"root": "elsewhere", "verify_checksums": False})
    assert training_settings(faster, evaluates=True) == settings  # speed and location only
    assert training_settings(merged(gt, evaluate={"bn_mode": "batch"}), evaluates=True) != settings
    assert training_settings(merged(gt, evaluate={"precision": "bf16"}), evaluates=True) != settings
    recalibrated = merged(gt, evaluate={"bn_mode": "recalibrate"})
    assert training_settings(merged(recalibrated, evaluate={"batch_size": 7}), True) != training_settings(recalibrated, True)
    supernet = run_config(cfg, "seeds", 0)  # evaluated by another job: its evaluation settings do not count
    assert training_settings(merged(supernet, evaluate={"bn_mode": "batch"})) == training_settings(supernet)
    assert training_settings(merged(supernet, train={"order_seed": 5}, sharing={"grouping_seed": 1})) == training_settings(supernet)
    assert training_settings(merged(supernet, train={"lr": 0.1})) != training_settings(supernet)
    dense = study_config(cfg, "fig9", 0)  # dense evaluation is stored in the checkpoints
    assert training_settings(merged(dense, evaluate={"bn_mode": "batch"})) != training_settings(dense)


def test_a_config_file_in_another_key_order_gives_the_same_params_text(tmp_path):
    """Snakemake compares a job's params as text: the same settings written in another key order must not
    rerun (or replay) anything."""
    import yaml

    text = (ROOT / "config" / "config.yaml").read_text()
    reordered = {section: dict(reversed(list(values.items()))) if isinstance(values, dict) else values
                 for section, values in reversed(list(yaml.safe_load(text).items()))}
    path = tmp_path / "reordered.yaml"
    path.write_text(yaml.safe_dump(reordered, sort_keys=False))
    configs = [config_mod.load(ROOT / "config" / "config.yaml"), config_mod.load(path)]
    assert list(configs[0]["train"]) != list(configs[1]["train"])
    for make in (lambda c: ground_truth_config(c, 0, 0), lambda c: run_config(c, "seeds", 0),
                 lambda c: study_config(c, "fig9", 0)):
        first, second = (training_settings(make(c), evaluates=True) for c in configs)
        assert repr(first) == repr(second)


def test_gratings_keys_change_only_a_gratings_jobs_settings():
    """wsnas.plan.settings.data_settings: the gratings' own keys (train_images, test_images, frequency) are
    part of a gratings job's fingerprint, and of no other dataset's, so adding them reran no digits job."""
    def job_fingerprint(*overrides):
        return fingerprint(training_settings(ground_truth_config(config_mod.load(None, list(overrides)), 0), True))

    assert job_fingerprint("data.name=digits") == job_fingerprint("data.name=digits", "data.frequency=[0.05,0.1]",
                                                                  "data.train_images=10")
    assert job_fingerprint("data.name=gratings") != job_fingerprint("data.name=gratings", "data.frequency=[0.05,0.1]")
    assert job_fingerprint("data.name=gratings") != job_fingerprint("data.name=gratings", "data.test_images=10")
