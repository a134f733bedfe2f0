"""DCNAS (wsnas.methods.dcnas; Pan et al. 2022, Sec. 3.2, Algorithm 1): M = 1 is single path bit for bit, the
paired update is Eq. 8 by hand and the meta-gradient Eq. 12 by finite differences, the clustering and Eq. 7
choose what they should, evaluation routes every child through its own copies, and a run resumed across a
phase change is identical. The tests follow ../shared/specs/dcnas.md, Sec. 5 (U1-U7, U9, U10)."""

import copy
import math
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.helpers import assert_declared_records, assert_same_state, tiny_config
from wsnas.config import merged
from wsnas.core.copies import PARAMETRIC, UNASSIGNED, frozen_bn_statistics, users_of
from wsnas.core.space import CHILD_IDS, CHILD_INDEX
from wsnas.data.device_data import DeviceData
from wsnas.errors import WsnasError
from wsnas.methods.dcnas.trainer import (DCNAS, FINETUNE, PAIRS, TRAIN, WARMUP, Schedule, adjusted_rand,
                                         add_cross_term, balanced_split, best_assignment, cross_factor, features,
                                         kmeans, matching_degree, meta_reach, meta_sgd_step)
from wsnas.plan.runs import single_path_config
from wsnas.training.evaluate import evaluate_children
from wsnas.training.loop import Loop

NAME = "wsnas.methods.dcnas.trainer:DCNAS"
#: A schedule that fits the tiny config's 10 steps per epoch: 1 warm-up step, 2 + 2 steps per slot (6 slots
#: with 2 cells), a meta step after every pair step, one small Eq. 7 batch.
FAST = {"warmup_epochs": 0.1, "layer_epochs": 0.2, "schedule_epochs": 0, "meta_interval": 1, "eq7_batches": 1,
        "probe_samples": 64}


def _cfg(*overrides, **method):
    return merged(tiny_config("train.epochs=3", "train.child_order=uniform", *overrides),
                  method={"name": NAME, "copies": 2, **FAST, **method})


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_prepared):
    """One 3-epoch run with checkpoints: slots assigned after steps 2, 6, 10, 14, 18, 22; fine-tuning from 25."""
    torch.set_num_threads(1)
    cfg = _cfg(meta_lr=1.0)  # meta networks that move visibly in a few updates
    data = DeviceData(tiny_prepared, cfg["data"], "cpu", channels_last=True)
    folder = tmp_path_factory.mktemp("dcnas") / "whole"
    return cfg, data, Loop(cfg, data, folder).run(), folder


def test_one_copy_is_the_single_path_baseline_bit_for_bit(tiny_data):
    """U1/Global-Sharing: with M = 1 the network has single path's parameters and the method trains its
    weights, optimiser state and child order bit for bit (2 epochs, uniform children)."""
    cfg = merged(tiny_config("train.epochs=2", "train.child_order=uniform"), method={"name": NAME, "copies": 1})
    loops = [Loop(cfg, tiny_data, None), Loop(single_path_config(cfg), tiny_data, None)]
    assert list(loops[0].method.model.state_dict()) == list(loops[1].method.model.state_dict())
    for loop in loops:
        for _ in range(2):
            loop.train_epoch()
    ours, base = (loop.method.state_dict() for loop in loops)
    for key in ("model", "optimizer", "sampler"):
        assert_same_state(ours[key], base[key], key)
    assert loops[0].history[-1]["dcnas_pair_steps"] == 0 and set(loops[0].method.sharing_table()["copy"]) == {0}


def test_schedule_scales_with_the_budget_and_refuses_what_does_not_fit(tiny_data):
    """Alg. 1 in steps: T_w, then per slot T pair steps and T one-child steps, then T_f. The paper's values
    written for 200 epochs scale to the budget (200 epochs of 10 steps: T_w 100 steps, T 30); a budget whose
    slot phase is under one step, or whose phases do not fit, is refused in one line naming the key."""
    s = Schedule(warmup=2, layer=3, slots=2)
    phases = [s.at(step) for step in range(16)]
    assert phases[:2] == [(WARMUP, -1)] * 2 and phases[2:5] == [(PAIRS, 0)] * 3 and phases[5:8] == [(TRAIN, 0)] * 3
    assert phases[8] == (PAIRS, 1) and phases[14:] == [(FINETUNE, 2)] * 2 and s.steps == 14
    assert [s.pair_index(step) for step in range(2, 5)] == [1, 2, 3]
    method = DCNAS(_cfg(meta_interval=2), tiny_data, range(64))  # what step() runs when, without the work
    calls = []
    method.plain_step = lambda batch: calls.append("plain")
    method.paired_update = lambda *args: calls.append(("pair", args[1], "meta" if args[-1] else ""))
    method.infer_slot = lambda slot: calls.append(("infer", slot))
    for _ in range(10):
        method.step(None)
    assert calls == ["plain", ("pair", 0, ""), ("pair", 0, "meta"), ("infer", 0), "plain", "plain",
                     ("pair", 1, ""), ("pair", 1, "meta"), ("infer", 1), "plain", "plain", ("pair", 2, "")]
    long = DCNAS(merged(tiny_config("train.epochs=200"), method={"name": NAME}), tiny_data, range(64))
    assert (long.schedule.warmup, long.schedule.layer, long.schedule.steps) == (100, 30, 100 + 6 * 60)
    with pytest.raises(WsnasError, match="method.layer_epochs"):  # 3/200 of 2 epochs: 0.3 steps
        DCNAS(merged(tiny_config("train.epochs=2"), method={"name": NAME}), tiny_data, range(64))
    with pytest.raises(WsnasError, match="method.layer_epochs"):  # 1 + 6 x 2 x 3 steps > 20
        DCNAS(_cfg("train.epochs=2", layer_epochs=0.3), tiny_data, range(64))
    with pytest.raises(WsnasError, match="method.copies"):
        DCNAS(_cfg(copies=0), tiny_data, range(64))
    with pytest.raises(WsnasError, match="method.cross_scale"):
        DCNAS(_cfg(cross_scale="gamma"), tiny_data, range(64))


def _pair(double_data, **method):
    """A DCNAS instance in float64 with plain SGD (momentum 0, weight decay 0) whose copies 1 differ from
    copies 0, and a pair sharing sep3 on edges O(0,1) and O(0,2): i = 223 on copies 0, j = 224 on copies 1,
    in the phase of slot 3 (cell 1, edge O(0,1))."""
    cfg = _cfg("train.momentum=0.0", "train.weight_decay=0.0", **method)
    method = DCNAS(cfg, double_data, range(64))
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for p in method.model.extra.parameters():
            p.add_(0.05 * torch.randn(p.shape, generator=g, dtype=p.dtype))
        method.meta_w.normal_(0, 0.05, generator=g)  # matching degrees away from 1/2
    batch = next(iter(double_data.train_batches(double_data.make_generator(0), 128)))
    i, j = CHILD_INDEX["223"], CHILD_INDEX["224"]
    return method, batch, 3, 1, i, j, ((0, 0, 0), (0, 0, 0)), ((1, 1, 1), (1, 1, 1))


@pytest.mark.parametrize("scale", ["lr", "literal"])
def test_paired_update_is_eq8_by_hand(double_data, scale):
    """U2: after one paired update, every weight equals ``W - lr g_i - c lambda^f g_j^f`` computed here by
    autograd on a copy of the network, with ``lambda^f = sigmoid(w . flatten(h_i^f - h_j^f) + b)`` on the 4
    shared slots (c = lr, or 1 for the literal Eq. 8), to 1e-12 in float64; child j's own copies stay
    bit-identical; the cross term is not negligible."""
    method, batch, slot, k, i, j, route_i, route_j = _pair(double_data, cross_scale=scale)
    model, lr = method.model, method.lr
    ref = copy.deepcopy(model)
    names = [n for n, _ in ref.named_parameters()]
    seen_i, seen_j = {}, {}
    loss_j = F.cross_entropy(ref(batch.x, j, route=route_j, record=seen_j), batch.y)
    g_j = dict(zip(names, torch.autograd.grad(loss_j, list(ref.parameters()), allow_unused=True)))
    loss_i = F.cross_entropy(ref(batch.x, i, route=route_i, record=seen_i), batch.y)
    g_i = dict(zip(names, torch.autograd.grad(loss_i, list(ref.parameters()), allow_unused=True)))
    expected = {n: p.detach() - lr * g_i[n] if g_i[n] is not None else p.detach().clone()
                for n, p in ref.named_parameters()}
    by_id = {id(p): n for n, p in ref.named_parameters()}
    cross = 0.0
    for cell in range(2):
        for edge in (0, 1):  # where 223 and 224 both use sep3 (op 1)
            dh = (seen_i[(cell, edge)] - seen_j[(cell, edge)]).reshape(-1)
            lam = torch.sigmoid(method.meta_w[3 * cell + edge, 0] @ dh + method.meta_b[3 * cell + edge, 0])
            coefficient = lr * lam if scale == "lr" else lam
            for p_i, p_j in zip(ref.op(cell, edge, 1, 0).parameters(), ref.op(cell, edge, 1, 1).parameters()):
                expected[by_id[id(p_i)]] = expected[by_id[id(p_i)]] - coefficient * g_j[by_id[id(p_j)]]
                cross += float((coefficient * g_j[by_id[id(p_j)]]).norm())
    own_j = {by_id[id(p)] for copy_j in (ref.op(0, 2, 3, 1), ref.op(0, 0, 1, 1)) for p in copy_j.parameters()}
    method.paired_update(batch, slot, k, i, j, route_i, route_j, meta=False)
    for name, p in model.named_parameters():
        assert torch.allclose(p, expected[name], atol=1e-12, rtol=0), name
        if name in own_j:
            assert torch.equal(p, dict(ref.named_parameters())[name]), name
    assert cross > 1e-4


def test_meta_gradient_matches_finite_differences(double_data):
    """U3: the meta network's update (meta_lr 1, no clipping) equals minus the gradient of child i's loss
    after the Eq. 8 step (Eq. 9) with respect to its weights and bias, by central differences along a
    random direction of the weights and along the bias, in float64."""
    method, batch, slot, k, i, j, route_i, route_j = _pair(double_data, meta_lr=1.0, meta_clip=0)
    model = method.model
    snapshot = copy.deepcopy(model.state_dict())
    w0, b0 = method.meta_w[slot, k - 1].clone(), method.meta_b[slot, k - 1].clone()

    def set_meta(w, b):
        model.load_state_dict(snapshot)
        method.meta_w[slot, k - 1], method.meta_b[slot, k - 1] = w, b

    def look_ahead(w, b):
        set_meta(w, b)
        method.paired_update(batch, slot, k, i, j, route_i, route_j, meta=False)
        with torch.no_grad(), frozen_bn_statistics(model):
            return float(F.cross_entropy(model(batch.x, i, route=route_i), batch.y))

    set_meta(w0, b0)
    method.paired_update(batch, slot, k, i, j, route_i, route_j, meta=True)
    grad_w, grad_b = w0 - method.meta_w[slot, k - 1], b0 - method.meta_b[slot, k - 1]
    d = torch.randn(w0.shape, generator=torch.Generator().manual_seed(1), dtype=w0.dtype)
    d /= d.norm()
    eps = 1e-4
    fd_w = (look_ahead(w0 + eps * d, b0) - look_ahead(w0 - eps * d, b0)) / (2 * eps)
    fd_b = (look_ahead(w0, b0 + eps) - look_ahead(w0, b0 - eps)) / (2 * eps)
    assert abs(float(grad_b)) > 1e-7 and abs(fd_w) > 1e-9
    assert float(grad_b) == pytest.approx(fd_b, rel=1e-5)
    assert float(grad_w @ d) == pytest.approx(fd_w, rel=1e-5)


def test_kmeans_random_split_and_eq7_assignment():
    """U5, U6, U9: K-means recovers two noisy blocks of a hand-made matching matrix whatever their order;
    identical rows are one cluster, few distinct rows as many; the random control splits 16 users 8/8; Eq. 7
    picks the cheapest distinct copies among all M! assignments (brute force, M = 3)."""
    rng = np.random.default_rng(0)
    block = np.array([0] * 7 + [1] * 9)
    rng.shuffle(block)
    lam = np.where(block[:, None] == block[None, :], 0.9, 0.2) + rng.normal(0, 0.03, (16, 16))
    labels = kmeans(lam, 2, seed=3)
    assert labels[0] == 0 and (np.array_equal(labels, block) or np.array_equal(labels, 1 - block))
    assert np.array_equal(kmeans(lam, 2, seed=3), labels)  # seeded
    assert set(kmeans(np.full((16, 16), 0.4), 2, seed=0)) == {0}
    rows = np.repeat(np.eye(4)[[2, 0, 3, 1]], 4, axis=0)
    assert np.array_equal(kmeans(rows, 8, seed=0), np.repeat([0, 1, 2, 3], 4))
    assert np.bincount(balanced_split(16, 2, seed=4)).tolist() == [8, 8]
    loss = rng.random((3, 3))
    best = min((sum(loss[c, p[c]] for c in range(3)), p) for p in
               [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)])
    assert best_assignment(loss) == best[1]
    assert best_assignment(np.array([[0.5, 0.2, 0.9]])) == (1,)  # one cluster: its cheapest copy


def test_every_child_has_one_copy_per_slot_and_shared_inputs_keep_one_cluster(tiny_run):
    """U5, U7: after the last slot phase every child has exactly one copy on every parametric slot; the
    sharing table lists each (slot, operation, user) once; slots O(0,1) and O(0,2) of cell 0 (the same input
    for every child) have one cluster per operation, O(1,2) of cell 0 (input depends on the first digit only)
    at most 4 distinct matching rows; records follow the phases."""
    cfg, data, loop, _ = tiny_run
    method = loop.method
    table = method.model.table
    ops = torch.tensor([[int(d) - 1 for d in c] for c in CHILD_IDS])
    parametric = (ops != 0)[:, None, :].expand_as(table)
    assert (table[parametric] != UNASSIGNED).all() and set(table[parametric].tolist()) <= {0, 1}
    assert (table[~parametric] == 0).all()
    frame = method.sharing_table()
    assert len(frame) == 6 * 3 * 16 and not frame.duplicated(["slot", "op", "child"]).any()
    assert (frame["copy"] >= 0).all() and set(frame["cluster"]) <= {0, 1}
    for edge in (0, 1):
        for k in PARAMETRIC:
            assert len(set(table[users_of(edge, k), 0, edge].tolist())) == 1
            assert set(method.clusters[edge, k - 1].tolist()) == {0}
    for k in PARAMETRIC:
        assert len(torch.unique(method.matching[2, k - 1], dim=0)) <= 4
    h = loop.history
    assert [r["dcnas_assigned_slots"] for r in h] == [2, 5, 6]
    assert [r["dcnas_phase"] for r in h] == [PAIRS, TRAIN, FINETUNE]
    assert sum(r["dcnas_pair_steps"] for r in h) == 12 and sum(r["dcnas_meta_steps"] for r in h) == 12
    assert 0 < h[0]["dcnas_lambda_current"] < 1 and h[-1]["dcnas_cost"] > 1
    fresh = DCNAS(cfg, data, range(64))
    moved = (method.meta_w != fresh.meta_w).any(-1)  # only the meta networks of the pairs' slot and operation
    assert moved.any() and not moved[0].any() and not moved[1].any()  # cell 0, O(0,1), O(0,2): phi = 0


def test_random_assignment_splits_every_operations_users_in_half(tiny_data):
    """U9: the Random-Assign control runs the same inference with balanced 8/8 splits, on a slot whose
    input is the same for every child too."""
    method = DCNAS(_cfg(assign="random"), tiny_data, range(64))
    method.infer_slot(0)
    for k in PARAMETRIC:
        copies = method.model.table[users_of(0, k), 0, 0]
        assert torch.bincount(copies, minlength=2).tolist() == [8, 8]
    assert (method.model.table[:, 0, 1:][(torch.tensor([[int(d) - 1 for d in c] for c in CHILD_IDS])[:, 1:] != 0)]
            == UNASSIGNED).all()


def test_routes_follow_the_table_and_draw_unassigned_copies_uniformly(tiny_data):
    """U1: an assigned slot always routes through its copy; an unassigned one draws each of the M copies
    uniformly (10,000 draws with M = 3, within 4 sigma); max-pool edges always take copy 0."""
    model = DCNAS(_cfg(copies=3), tiny_data, range(64)).model
    child = CHILD_INDEX["234"]
    model.table[child, 0, 0] = 2
    g = torch.Generator().manual_seed(0)
    draws = torch.tensor([model.random_route(child, g) for _ in range(10_000)])  # (draws, cells, edges)
    assert (draws[:, 0, 0] == 2).all() and model.route(child)[0][0] == 2 and model.route(child)[1][0] == 0
    counts = torch.bincount(draws[:, 1, 2], minlength=3).double()
    assert (counts - 10_000 / 3).abs().max() < 4 * (10_000 * 2 / 9) ** 0.5
    assert (torch.tensor([model.random_route(CHILD_INDEX["111"], g) for _ in range(50)]) == 0).all()


def test_evaluation_uses_each_childs_assigned_copies(tiny_data):
    """U1, U8: with a random assignment, changing copy 1 of sep3 on (cell 0, O(1,2)) (inside the shared
    evaluation cache) and of dil5 on (cell 1, O(0,1)) changes the loss of exactly the children assigned to
    it, in every BN mode; every other child's accuracy and loss stay bit-identical."""
    cfg = _cfg("evaluate.recalibrate_batches=2")
    method = DCNAS(cfg, tiny_data, range(64))
    model = method.model
    g = torch.Generator().manual_seed(0)
    ops = torch.tensor([[int(d) - 1 for d in c] for c in CHILD_IDS])
    model.table = torch.where(ops[:, None, :] == 0, 0, torch.randint(2, (64, 2, 3), generator=g))
    touched = [(0, 2, 1), (1, 0, 3)]
    moved = {c for c in range(64) for cell, edge, k in touched if ops[c, edge] == k and model.table[c, cell, edge] == 1}
    assert 0 < len(moved) < 32
    stays = [c for c in range(64) if c not in moved]
    for cell, edge, k in touched:
        for c in range(64):
            if ops[c, edge] == k:
                assert (model.op(cell, edge, k, 1) in model.modules_of(c)) == bool(model.table[c, cell, edge] == 1)
    modes = {"running": None, "batch": None, "recalibrate": sorted(moved)[:2] + stays[:2]}
    before = {mode: evaluate_children(model, tiny_data, dict(cfg["evaluate"], bn_mode=mode), children)
              for mode, children in modes.items()}
    with torch.no_grad():
        for cell, edge, k in touched:
            for p in model.op(cell, edge, k, 1).parameters():
                p.add_(torch.randn(p.shape, generator=g))
    after = {mode: evaluate_children(model, tiny_data, dict(cfg["evaluate"], bn_mode=mode), children)
             for mode, children in modes.items()}
    for mode, children in modes.items():
        for n, c in enumerate(children or range(64)):
            (acc0, loss0), (acc1, loss1) = before[mode], after[mode]
            if c in moved:
                assert loss1[n] != loss0[n], (mode, CHILD_IDS[c])
            else:
                assert acc1[n] == acc0[n] and loss1[n] == loss0[n], (mode, CHILD_IDS[c])
    # the method ranks with the same routes
    assert torch.equal(method.rank(tiny_data, dict(cfg["evaluate"], bn_mode="running"))[1], after["running"][1])


def test_resume_across_a_phase_change_is_bit_identical(tiny_run, tmp_path):
    """U10: stopped after epoch 1 (10 steps: slots 0 and 1 assigned, in the middle of slot 2's pairs) and
    resumed from the Loop's checkpoint, the run ends with the same weights, optimiser, meta networks, sharing
    table, matching matrices, phase pointer and generator as the one that never stopped. Checkpoints older
    than the newest two lose the meta networks: they load for evaluation, but training on is refused."""
    cfg, data, whole, folder = tiny_run
    first = Loop(cfg, data, tmp_path / "split")
    first.train_epoch()
    first.after_epoch()
    assert first.method.steps == 10 and first.history[-1]["dcnas_assigned_slots"] == 2
    resumed = Loop(cfg, data, tmp_path / "split").run()
    assert resumed.epoch == 3
    assert_same_state(resumed.method.state_dict(), whole.method.state_dict())
    assert_same_state(resumed.method.sharing_table().to_dict(), whole.method.sharing_table().to_dict())
    stale = tmp_path / "stale"
    stale.mkdir()
    shutil.copy(folder / "epoch_0001.pt", stale)  # slimmed when epoch 3 was saved
    assert "dcnas_meta" not in torch.load(stale / "epoch_0001.pt", weights_only=True)["method"]
    loop = Loop(cfg, data, stale)
    assert loop.resume() and loop.epoch == 1
    with pytest.raises(WsnasError, match="no DCNAS meta networks"):
        loop.train_epoch()


def test_switches_and_three_copies_train(tiny_data):
    """The controls and switches run end to end: M = 3 with the GAP meta input, the look-ahead loss on the
    next slice, the cross term on the current slot only and Eq. 8's literal scale; every child ends on one of
    the 3 copies of every parametric slot, with at most 3 clusters per (slot, operation), and finite records."""
    cfg = _cfg(copies=3, meta_input="gap", meta_data="next_slice", cross_term="current", cross_scale="literal",
               meta_lr=1.0)
    loop = Loop(cfg, tiny_data, None)
    for _ in range(3):
        loop.train_epoch()
    method = loop.method
    assert method.meta_w.shape == (6, 3, 4 * 4)  # S samples x C channels
    frame = method.sharing_table()
    assert (frame["copy"] >= 0).all() and frame["copy"].max() <= 2
    assert frame.groupby(["slot", "op"])["cluster"].max().max() <= 2
    assert frame.groupby(["slot", "op"])["copy"].nunique().max() >= 2
    assert all(np.isfinite(v) for r in loop.history for k, v in r.items() if k.startswith("dcnas_lambda"))
    assert sum(r["dcnas_meta_steps"] for r in loop.history) == 12


def test_adjusted_rand_index_by_hand():
    """The agreement the diagnostics record: 1 for the same partition under other labels (and for two single
    clusters), the hand value for a 4/4 split against a 2/6 one, negative for a crossing split."""
    assert adjusted_rand([0, 0, 1, 1], [1, 1, 0, 0]) == 1.0 and adjusted_rand([0] * 5, [3] * 5) == 1.0
    # pairs: both 2 (the contingency [[2, 2], [0, 4]] gives 1 + 1 + 6 = 8), rows 6 + 6, columns 1 + 15, of 28
    expected = (8 - 12 * 16 / 28) / ((12 + 16) / 2 - 12 * 16 / 28)
    assert adjusted_rand([0, 0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1, 1]) == pytest.approx(expected, abs=1e-12)
    assert adjusted_rand([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def _learn_known_groups(seed: int, meta_lr: float, meta_clip: float, steps: int = 300):
    """A constructed slot whose right sharing is known. Its 16 users' slot inputs (4 samples x 4 channels x 4 x 4,
    D = 256) are a shared batch plus each child's own offset, and group B's (8 of them) also a known offset
    ``delta`` (a quarter of the children's own spread, so a random projection hardly sees it). The slot's operation
    is a linear map W of the input; every child's targets are W*'s output, except that group B's are off by a
    fixed residual: at W = W* group A's gradients vanish and group B's are large, so B's gradient added to an A
    child (Eq. 8) can only raise A's loss after the step (Eq. 9), A's added to a B child does nothing. The right
    sharing: A apart from B. The copy W stays at W* (the Eq. 8 step is the look-ahead only), while the slot's meta
    network learns by Eq. 12 (the method's own functions: Eq. 11, the cross term, the hypergradient, the clip and
    step) on ``steps`` random pairs. Returns (ARI of the learned clustering with the groups, ARI of the untrained
    one's, the learned weights' relative change)."""
    g = torch.Generator().manual_seed(seed)
    S, C, H = 4, 4, 4
    D, d = C * H * H, S * C * H * H
    groups = torch.tensor([0] * 8 + [1] * 8)[torch.randperm(16, generator=g)]
    delta = torch.randn(S, D, generator=g)
    inputs = (torch.randn(S, D, generator=g) + torch.randn(16, S, D, generator=g)
              + groups[:, None, None] * 0.25 * math.sqrt(d) * delta / delta.norm())
    w_star = torch.randn(D, generator=g) / math.sqrt(D)
    targets = inputs @ w_star + 3.0 * groups[:, None] * torch.randn(16, S, generator=g)
    lr = 0.5 / max(float(torch.linalg.eigvalsh(x.T @ x / S)[-1]) for x in inputs)  # half the stable step

    def grad(child, weight):
        weight = weight.detach().requires_grad_()
        return torch.autograd.grad(0.5 * ((inputs[child] @ weight - targets[child]) ** 2).mean(), weight)[0]

    bound = 1 / math.sqrt(d)  # nn.Linear's initialisation, as the trainer's meta networks
    w0, b0 = (torch.rand(d, generator=g) * 2 - 1) * bound, (torch.rand((), generator=g) * 2 - 1) * bound
    w, b = w0.clone(), b0.clone()
    copy_ = torch.nn.Parameter(w_star.clone())
    sgd = torch.optim.SGD([copy_], lr=lr)
    for _ in range(steps):
        i, j = torch.randperm(16, generator=g)[:2].tolist()
        g_i, g_j = grad(i, copy_), grad(j, copy_)
        phi = features(inputs[i].reshape(S, C, H, H), inputs[j].reshape(S, C, H, H), "slice", torch.float64)
        lam = matching_degree(w, b, phi)
        copy_.grad = g_i.clone()
        add_cross_term([copy_], [g_j], cross_factor(lam, lr, "lr"))
        sgd.step()  # W' = W - lr (g_i + lambda g_j), Eq. 8
        meta_sgd_step(w, b, [grad(i, copy_)], [g_j], lam, phi, lr, meta_lr, meta_clip)
        with torch.no_grad():
            copy_.copy_(w_star)
    every = inputs.reshape(16, S, C, H, H)
    phi_all = features(every[:, None], every[None], "slice", torch.float64)
    learned, untrained = (kmeans(matching_degree(ww, bb, phi_all).numpy(), 2, seed=0) for ww, bb in ((w, b), (w0, b0)))
    return (adjusted_rand(learned, groups.numpy()), adjusted_rand(untrained, groups.numpy()),
            float((w - w0).norm() / w0.norm()))


def test_learned_sharing_recovers_known_groups_and_the_untrained_meta_network_does_not():
    """The meta step size of docs/methods/dcnas.md ("The meta step size"): with the clip binding and
    meta_lr * meta_clip * sqrt(3 D) = 3 (one update moves its pair's logit by 3 times the spread the random
    initialisation puts on the logits), 300 updates of the meta network learn the
    constructed slot's right sharing (group A apart from group B: adjusted Rand index >= 0.7 for every seed,
    >= 0.85 on average), where the untrained meta network's clustering does not (<= 0.2), and its weights move
    by about their own norm. With Cream's meta_lr 1e-4 and clip 1 the same 300 updates leave the weights near where
    they started (under 1 %) and the learned clustering equals the untrained one (float64, 4 seeds)."""
    torch.set_default_dtype(torch.float64)
    try:
        d, updates, clip = 256, 300, 1e-2
        meta_lr = 3 / (clip * math.sqrt(3 * d))  # one update: 3 x the untrained logit spread
        learned, untrained, change = zip(*(_learn_known_groups(seed, meta_lr, clip, updates) for seed in range(4)))
        assert min(learned) >= 0.7 and np.mean(learned) >= 0.85, learned
        assert max(untrained) <= 0.2, untrained
        assert all(0.3 < c < 3 for c in change), change
        cream = [_learn_known_groups(seed, 1e-4, 1.0, updates) for seed in range(2)]
        assert all(a == b and c < 0.01 for a, b, c in cream), cream
    finally:
        torch.set_default_dtype(torch.float32)


def test_meta_reach_and_the_sgd_step_bound():
    """``meta_reach``: U clipped updates of lr * clip move the weights by at most U lr clip, sqrt(3) U lr clip
    relative to nn.Linear's initial norm sqrt(1/3) (the issue's Cream bound on the demo: 5 updates, 1e-4, 1.0);
    one ``meta_sgd_step`` with a large hypergradient moves (w, b) by exactly lr * clip."""
    assert meta_reach(1e-4, 1.0, 5) == pytest.approx(5e-4 * math.sqrt(3)) and meta_reach(1.0, 0, 5) == math.inf
    w, b = torch.zeros(8, dtype=torch.float64), torch.zeros((), dtype=torch.float64)
    phi = torch.ones(8, dtype=torch.float64)
    grads = [torch.ones(3, dtype=torch.float64)]
    norm = meta_sgd_step(w, b, [g * 100 for g in grads], grads, torch.tensor(0.5, dtype=torch.float64), phi, 1.0,
                         lr=0.5, clip=0.01)
    assert float(norm) == pytest.approx(300 * 0.25 * 3)  # |dz| sqrt(8 + 1), dz = 300 / 4
    assert float(torch.sqrt(w.square().sum() + b.square())) == pytest.approx(0.5 * 0.01, rel=1e-6)
    assert (w > 0).all()  # the look-ahead gradient agrees with g_j: a larger lambda lowers the loss


def test_untrained_meta_control_and_the_per_slot_records(tiny_run, tiny_data):
    """The learned run's records give, per slot, the meta networks' relative change from their initialisation (0
    for cell 0's first two slots, whose inputs never differ; > 0 where pairs trained them), the matching degrees'
    spread for the trained and the untrained network, and their clusterings' adjusted Rand index, and the
    sharing table the same numbers. At meta_lr 1 and clip 1 (the hypergradient is far below the clip) the meta
    networks move by under 1 % and every clustering is the untrained one (the issue's symptom). The
    untrained-meta control, at the step of docs/methods/dcnas.md (kappa = 3: meta_lr * clip * sqrt(3 D) with
    D = 4 samples x 4 channels x 8 x 8), runs the same schedule, clusters as its untrained meta networks do,
    and records that its trained ones would have clustered otherwise."""
    cfg, data, loop, _ = tiny_run
    method, last = loop.method, loop.history[-1]
    change = method.meta_change()
    for slot in range(6):
        assert last[f"dcnas_meta_change_{slot}"] == pytest.approx(float(change[slot].mean()))
        assert 0 <= last[f"dcnas_spread_{slot}"] < 0.5 and -0.5 <= last[f"dcnas_ari_untrained_{slot}"] <= 1
    assert last["dcnas_meta_change_0"] == last["dcnas_meta_change_1"] == 0 and last["dcnas_spread_0"] == 0
    assert 0 < min(last[f"dcnas_meta_change_{slot}"] for slot in range(2, 6)) < 0.01
    assert last["dcnas_meta_reach"] == pytest.approx(2 / 3 * 1.0 * 1.0 * math.sqrt(3))  # T = 2 pair steps, tau 1
    assert [last[f"dcnas_ari_untrained_{slot}"] for slot in range(2, 6)] == [1.0] * 4
    assert last["dcnas_ari_untrained"] == 1.0 and np.isnan(loop.history[0]["dcnas_ari_untrained_5"])
    assert_declared_records("dcnas", last)
    frame = method.sharing_table()
    row = frame[(frame["slot"] == 4) & (frame["op"] == "sep_conv_5x5")].iloc[0]
    assert row["ari_untrained"] == float(method.diagnostics[4, 1, 3]) and row["meta_change"] == float(change[4, 1])
    assert (frame["cluster"] == frame["cluster_untrained"]).all()
    clip = 1e-4
    control = Loop(_cfg(meta_lr=3 / (clip * math.sqrt(3 * 4 * 4 * 64)), meta_clip=clip, assign="untrained_meta"),
                   tiny_data, None)
    for _ in range(3):
        control.train_epoch()
    c, record = control.method, control.history[-1]
    assert torch.equal(c.clusters, c.untrained_clusters) and (c.clusters >= 0).all()
    assert torch.equal(c.meta_w0, method.meta_w0)  # the same initial meta networks (train.init_seed)
    assert min(record[f"dcnas_meta_change_{slot}"] for slot in range(2, 6)) > 0.01
    assert record["dcnas_ari_untrained"] < 1 and record["dcnas_meta_reach"] == pytest.approx(2 / 3 * 3 / math.sqrt(1024))
    with pytest.raises(WsnasError, match="method.assign"):
        DCNAS(_cfg(assign="untrained"), tiny_data, range(64))
