"""PA&DA (wsnas.methods.pada; Lu et al. 2023): the sampling rules equal hand computations and the official
code's, draws follow their distributions, both off is the uniform baseline bit for bit, and a resumed run
is identical. The tests follow ../shared/specs/pada.md, Sec. 5."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.stats import chisquare

from tests.helpers import assert_declared_records, assert_same_state, stopped_and_resumed, tiny_config
from wsnas.config import merged
from wsnas.core.space import CHILD_IDS, OPERATIONS, parse_child
from wsnas.data.datasets import prepare
from wsnas.data.device_data import DeviceData, Weighted
from wsnas.errors import WsnasError
from wsnas.methods.pada.trainer import (PathSampler, class_scores, epoch_scores, running_update, sample_scores, smoothed,
                                        smoothing_weight, with_parameter_free)
from wsnas.plan.runs import single_path_config
from wsnas.training.loop import Loop


def _tiny(epochs=3, **method):
    cfg = merged(tiny_config(f"train.epochs={epochs}", "train.child_order=uniform"), method={"name": "pada", **method})
    return cfg, DeviceData(prepare(cfg["data"]), cfg["data"], torch.device("cpu"))


def test_operation_probabilities_are_the_smoothed_normalised_norms():
    """Spec test 2: norms [0, 2, 6, 2] with delta 0.5 give [0.125, 0.225, 0.425, 0.225]; max-pool (no
    weights, norm 0) keeps (1 - delta) / 4; no norm at all is uniform."""
    p = smoothed(torch.tensor([0.0, 2.0, 6.0, 2.0]), 0.5)
    assert torch.allclose(p, torch.tensor([0.125, 0.225, 0.425, 0.225], dtype=torch.float64), atol=1e-15)
    assert float(smoothed(torch.tensor([0.0, 1.0, 5.0, 9.0]), 0.8)[0]) == pytest.approx(0.2 / 4)
    assert torch.equal(smoothed(torch.zeros(4), 0.7), torch.full((4,), 0.25, dtype=torch.float64))


def test_running_norm_rule():
    """Spec test 3: norms a, b, c give ((a/2 + b)/2 + c)/2; a zero norm leaves the value alone."""
    a, b, c = 1.0, 2.0, 4.0
    ema = torch.zeros(4)
    for n in ([a, 0, 0, 0], [b, 3.0, 0, 0], [c, 0, 0, 0]):
        ema = running_update(ema, torch.tensor(n))
    assert float(ema[0]) == pytest.approx(((a / 2 + b) / 2 + c) / 2) and float(ema[1]) == 1.5 and float(ema[2]) == 0


def test_sample_score_is_the_gradient_norm_of_the_summed_loss_by_the_logits():
    """Spec test 5: ||softmax - onehot|| equals the autograd gradient of sum-reduced cross-entropy w.r.t.
    each row of logits."""
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(7, 10, generator=g, dtype=torch.float64, requires_grad=True)
    y = torch.randint(10, (7,), generator=g)
    F.cross_entropy(logits, y, reduction="sum").backward()
    assert torch.allclose(sample_scores(logits, y).double(), logits.grad.norm(dim=1), atol=1e-6)


def test_repeated_samples_follow_the_codes_order_rule():
    """Spec test 6: sample 5 seen with 1.0 then 3.0 gives 2.0, then 0.5 gives 1.25; a zero first score is
    replaced by the next; unseen samples score 0; against a step-by-step replay of the code's loop."""
    index = torch.tensor([5, 2, 5, 7, 7, 5, 9, 9])
    scores = torch.tensor([1.0, 0.4, 3.0, 0.0, 0.6, 0.5, 0.2, 0.0])
    out = epoch_scores(index, scores, 10)
    assert out[5] == pytest.approx(1.25) and out[7] == pytest.approx(0.6) and out[9] == pytest.approx(0.1)
    assert out[2] == pytest.approx(0.4) and out[0] == 0
    rng = np.random.default_rng(1)
    index = torch.from_numpy(rng.integers(0, 40, 500))
    scores = torch.from_numpy(np.where(rng.random(500) < 0.1, 0.0, rng.random(500)))
    replay = np.zeros(40)
    for i, s in zip(index.tolist(), scores.tolist()):
        replay[i] = (replay[i] + s) / 2 if replay[i] != 0 else s
    assert np.allclose(epoch_scores(index, scores, 40).numpy(), replay, rtol=1e-12, atol=1e-15)


def test_data_distribution_and_its_draws():
    """Spec tests 6-7: q = tau s / sum(s) + (1 - tau) / N sums to 1 with unseen samples at (1 - tau) / N, and
    N draws per epoch with replacement follow q (chi-square with a fixed seed over many draws)."""
    s = torch.tensor([0.0, 1.0, 3.0, 0.0, 4.0])
    q = smoothed(s, 0.3)
    assert float(q.sum()) == pytest.approx(1.0) and float(q[0]) == pytest.approx(0.7 / 5)
    assert float(q[4]) == pytest.approx(0.3 * 0.5 + 0.14)
    n = 50
    q = smoothed(torch.rand(n, generator=torch.Generator().manual_seed(3)), 0.8)
    g = torch.Generator().manual_seed(0)
    counts = torch.zeros(n)
    for _ in range(400):
        counts += torch.bincount(Weighted(q).positions(torch.arange(n), g), minlength=n)
    assert chisquare(counts.numpy(), (q * counts.sum()).numpy()).pvalue > 1e-3


def test_children_drawn_from_uniform_operations_are_uniform():
    """Spec test 1 (second half): before any update, each edge draws its operation uniformly, so the 64
    children are uniform (chi-square over 16,000 draws, fixed seed); drawn ops give the child's digits."""
    sampler = PathSampler("op", 0)
    counts = np.bincount([sampler.next() for _ in range(16_000)], minlength=64)
    assert chisquare(counts).pvalue > 1e-3
    sampler.p = torch.tensor([0.0, 0.0, 1.0, 0.0], dtype=torch.float64)
    assert CHILD_IDS[sampler.next()] == "333" and sampler.probability(42) == 1.0 and sampler.probability(0) == 0.0


def test_both_off_is_the_uniform_baseline_bit_for_bit():
    """Spec test 1: paths and data off trains the same weights as single path with uniform children."""
    cfg, data = _tiny(epochs=2, paths=False, data=False)
    loops = [Loop(cfg, data, None), Loop(single_path_config(cfg), data, None)]
    for loop in loops:
        for _ in range(2):
            loop.train_epoch()
    assert_same_state(loops[0].method.model.state_dict(), loops[1].method.model.state_dict())


def test_operation_norms_follow_the_definition():
    """Spec test 4: after one step, n_k = sum over cells of the mean over the child's k-edges of the L2 norm
    of the operation copy's gradient (max-pool: 0), computed here from the gradients by hand."""
    cfg, data = _tiny(data=False)
    loop = Loop(cfg, data, None)
    loop.start_epoch()
    method = loop.method
    method.sampler.next = lambda: 16 * 1 + 4 * 1 + 3  # child '224': sep3 on two edges, dil5 on one
    method.step(next(iter(loop.batches())))
    ops = parse_child("224")
    expected = torch.zeros(4)
    for cell in (m for m in method.model.modules_of(16 * 1 + 4 * 1 + 3) if hasattr(m, "edges")):
        for edge, k in enumerate(ops):
            grads = [p.grad.flatten() for p in cell.edges[edge][k].parameters()]
            expected[k] += torch.cat(grads).norm() / ops.count(k)
    assert expected[0] == 0 and expected[1] > 0 and expected[3] > 0
    assert torch.allclose(method.ema, expected / 2, rtol=1e-5)  # the first update halves (the code's reset to 0)
    summed = Loop(merged(cfg, method={"norm": "sum_tensors"}), data, None)  # the code's per-tensor sum
    summed.start_epoch()
    summed.method.sampler.next = lambda: 16 * 1 + 4 * 1 + 3
    summed.method.step(next(iter(summed.batches())))
    expected = torch.zeros(4)
    for cell in (m for m in summed.method.model.modules_of(16 * 1 + 4 * 1 + 3) if hasattr(m, "edges")):
        for edge, k in enumerate(ops):
            expected[k] += sum(p.grad.norm() for p in cell.edges[edge][k].parameters()) / ops.count(k)
    assert torch.allclose(summed.method.ema, expected / 2, rtol=1e-5)


def test_schedule_records_and_resume(tmp_path):
    """Spec tests 8-9: the mixing weight in force in epochs 0..3 is 0, 0, 1/E, 2/E (epoch 0 the permutation,
    epoch 1 uniform with replacement); a run resumed after epoch 2 ends with the same weights, probabilities
    and data distribution as one that never stopped."""
    E = 4
    cfg, data = _tiny(epochs=E)
    whole = Loop(cfg, data, tmp_path / "whole").run()
    h = whole.history
    assert [r["pada_p_max_pool_3x3"] for r in h[:2]] == [0.25, 0.25]
    assert h[2]["pada_p_max_pool_3x3"] == pytest.approx((1 - 1 / E) / 4) and h[3]["pada_p_max_pool_3x3"] == pytest.approx((1 - 2 / E) / 4)
    assert [r["pada_data_entropy"] for r in h[:2]] == [pytest.approx(1.0)] * 2 and h[3]["pada_data_entropy"] < 1.0
    assert 0.55 < h[1]["pada_data_seen"] < 0.75  # with replacement about 1 - 1/e of the samples are seen
    assert_declared_records("pada", h[-1])
    resumed = stopped_and_resumed(cfg, data, tmp_path / "split", 2)
    assert_same_state(resumed.method.state_dict(), whole.method.state_dict())


def test_child_granularity_and_importance_weights_train():
    """The ablations run: per-child probabilities move away from uniform; importance weights give a finite
    loss; ``schedule: zero`` keeps paths and data uniform; bad options and an incompatible child order are
    refused in one line."""
    cfg, data = _tiny(epochs=3, granularity="child", importance_weights=True)
    loop = Loop(cfg, data, None)
    for _ in range(3):
        loop.train_epoch()
    p = loop.method.sampler.p
    assert p.shape == (64,) and float(p.sum()) == pytest.approx(1.0) and float(p.max() - p.min()) > 1e-4
    assert math.isfinite(loop.history[-1]["train_loss"])
    zero = Loop(merged(cfg, method={"granularity": "op", "importance_weights": False, "schedule": "zero"}), data, None)
    for _ in range(3):
        zero.train_epoch()
    assert zero.method.path_sampler.p.tolist() == [0.25] * 4 and zero.history[-1]["pada_data_entropy"] == pytest.approx(1.0)
    with pytest.raises(WsnasError, match="method.granularity"):
        Loop(merged(cfg, method={"granularity": "edge"}), data, None)
    with pytest.raises(WsnasError, match="train.child_order"):
        Loop(merged(cfg, train={"child_order": "sequential"}), data, None)


def _epoch_by_hand(loop, on_step=None):
    """One epoch of ``loop`` step by step; ``on_step(loop)`` after each; returns the epoch's sample indices and
    scores and the running norms as they stood before the epoch's end."""
    loop.start_epoch()
    for batch in loop.batches():
        loop.record(loop.method.step(batch))
        if on_step is not None:
            on_step(loop)
    m = loop.method
    seen = (torch.cat(m._index), torch.cat(m._scores)) if m.sample_data else None
    ema = m.ema.clone() if m.sample_paths else None
    loop.end_epoch()
    return seen, ema


def test_max_pool_control_gives_the_parameter_free_operation_the_mean_importance():
    """``parameter_free: mean`` keeps PA&DA but gives max-pool the mean running norm of the three parametric
    operations: after epoch 1 of E = 3 (delta = 1/3), p equals that hand computation, so max-pool stays at
    1/4 while the default rule, on the same run, starves it to (1 - delta) / 4; each epoch's record holds the
    probability in force and each operation's share of the edge draws, counted here from the children
    trained. The control needs ``granularity: op``."""
    cfg, data = _tiny(epochs=3, data=False)
    ps = {}
    for rule in ("mean", "zero"):
        loop = Loop(merged(cfg, method={"parameter_free": rule}), data, None)
        children = [[], []]
        for epoch in range(2):
            _, ema = _epoch_by_hand(loop, lambda lp, e=epoch: children[e].append(lp._last_child))
        importance = ema.double().clone()
        if rule == "mean":
            importance[0] = importance[1:].mean()
        assert importance[1:].min() > 0
        expected = importance / importance.sum() / 3 + (1 - 1 / 3) / 4
        ps[rule] = loop.method.path_sampler.p
        assert torch.allclose(ps[rule], expected, rtol=1e-6, atol=0)
        for record, trained in zip(loop.history, children):
            counts = np.bincount([k for c in trained for k in parse_child(CHILD_IDS[c])], minlength=4)
            assert [record[f"pada_drawn_{op}"] for op in OPERATIONS] == pytest.approx(counts / counts.sum())
            assert record["pada_p_max_pool_3x3"] == 0.25  # epochs 0 and 1: uniform paths
    assert float(ps["mean"][0]) == pytest.approx(0.25, abs=1e-12) and float(ps["zero"][0]) == pytest.approx(2 / 12)
    assert float(ps["mean"][1:].sum()) == pytest.approx(0.75) and float(ps["mean"][1:].max() - ps["mean"][1:].min()) > 1e-4
    # the mean rule alone: a zero max-pool entry replaced, the other entries untouched
    ema, free = torch.tensor([0.0, 1.0, 2.0, 6.0]), torch.tensor([True, False, False, False])
    assert with_parameter_free(ema, free, "mean").tolist() == [3.0, 1.0, 2.0, 6.0]
    assert with_parameter_free(ema, free, "zero") is ema
    with pytest.raises(WsnasError, match="method.parameter_free"):
        Loop(merged(cfg, method={"parameter_free": "mean", "granularity": "child"}), data, None)


def test_table4_schedules_give_the_papers_values():
    """Table 4's styles and frequencies: the smoothing weight at the end of epoch e is e / E increasing and
    1 - e / E decreasing (E = 5, S steps an epoch; the last epoch trains with 3/5 and 2/5), halfway through
    an epoch the per-step weight lies halfway between; ``zero`` is 0 throughout. A real decreasing run:
    epoch 1 trains on pure importance (delta = tau = 1), so max-pool (no weights) gets probability 0 and is
    never drawn, and q is s / sum(s) exactly."""
    assert [smoothing_weight("increasing", x) for x in (0.0, 0.25, 1.0)] == [0.0, 0.25, 1.0]
    assert [smoothing_weight("decreasing", x) for x in (0.0, 0.25, 1.0)] == [1.0, 0.75, 0.0]
    assert smoothing_weight("zero", 0.6) == 0.0
    cfg, data = _tiny(epochs=5)
    S = data.steps_per_epoch(cfg["train"]["batch_size"])
    up, down = (Loop(merged(cfg, method={"schedule": s}), data, None).method for s in ("increasing", "decreasing"))
    assert [up.mix(e * S) for e in range(1, 6)] == pytest.approx([0, 0.2, 0.4, 0.6, 0.8])
    assert [down.mix(e * S) for e in range(1, 6)] == pytest.approx([1, 0.8, 0.6, 0.4, 0.2])
    half = S // 2
    assert up.mix(2 * S + half) == pytest.approx(0.2 + 0.2 * half / S) and down.mix(S + half) == pytest.approx(1 - 0.2 * half / S)
    loop = Loop(merged(cfg, train={"epochs": 3}, method={"schedule": "decreasing"}), data, None)
    (index, scores), ema = _epoch_by_hand(loop)
    m = loop.method
    p = m.path_sampler.p
    assert torch.allclose(p, ema.double() / ema.sum(), rtol=1e-6) and float(p[0]) == 0.0
    s = np.zeros(len(data.train_y))
    s[index.numpy()] = scores.numpy()  # epoch 0 is a permutation: each sample scored once
    assert np.allclose(m.q.numpy(), s / s.sum(), rtol=1e-12, atol=0)
    _epoch_by_hand(loop)
    assert loop.history[1]["pada_drawn_max_pool_3x3"] == 0.0 and loop.history[1]["pada_p_max_pool_3x3"] == 0.0
    assert loop.history[1]["pada_data_entropy"] < 1.0


def test_per_step_updates_follow_the_running_norms_at_every_step(tmp_path):
    """``path_update: step`` (Table 4's PS): epoch 0 draws uniformly until its last step; from then on, after
    every step, p = smoothed(running norms, delta at that step), with delta passing e / E at each epoch's end;
    the running norms are not reset at the epoch start; the record holds the mean of the distributions in
    force at the epoch's draws; a run resumed after epoch 1 ends as one that never stopped."""
    cfg, data = _tiny(epochs=2, data=False, path_update="step")
    S, E = data.steps_per_epoch(cfg["train"]["batch_size"]), 2
    loop = Loop(cfg, data, None)
    seen = []  # (steps done, running norms, p after the step)
    watch = lambda lp: seen.append((lp.step, lp.method.ema.clone(), lp.method.path_sampler.p.clone()))
    _epoch_by_hand(loop, watch)
    after_epoch0 = loop.method.ema.clone()
    loop.start_epoch()
    assert torch.equal(loop.method.ema, after_epoch0)  # carried, not reset
    for batch in loop.batches():
        loop.record(loop.method.step(batch))
        watch(loop)
    loop.end_epoch()
    uniform = torch.full((4,), 0.25, dtype=torch.float64)
    for u, ema, p in seen:
        expected = smoothed(ema, (u - S) / (E * S)) if u >= S else uniform
        assert torch.allclose(p, expected, rtol=1e-12, atol=0), u
    assert seen[S - 1][2].tolist() == [0.25] * 4  # the update after epoch 0's last step has delta 0
    assert len({tuple(p.tolist()) for _, _, p in seen[S:]}) == S and float(seen[-1][2][0]) < 0.25
    in_force = torch.stack([p for _, _, p in seen[S - 1:-1]]).mean(0)  # the p each draw of epoch 1 used
    assert [loop.history[1][f"pada_p_{op}"] for op in OPERATIONS] == pytest.approx(in_force.tolist(), rel=1e-12)
    whole = Loop(cfg, data, tmp_path / "whole").run()
    resumed = stopped_and_resumed(cfg, data, tmp_path / "split", 1)
    assert_same_state(resumed.method.state_dict(), whole.method.state_dict())
    assert torch.equal(whole.method.path_sampler.p, loop.method.path_sampler.p)


def test_class_level_data_sampling_gives_each_sample_its_class_mean():
    """Table 4's class granularity: every sample's score is the mean score of its class's seen samples, so
    with tau = 1 (the decreasing schedule after epoch 0) q_i = mean(y_i) / sum_j mean(y_j), equal within a
    class, computed here by hand from the epoch's recorded scores."""
    cfg, data = _tiny(epochs=3, paths=False, schedule="decreasing", data_granularity="class")
    loop = Loop(cfg, data, None)
    (index, scores), _ = _epoch_by_hand(loop)
    y = data.train_y.numpy()
    s = np.zeros(len(y))
    s[index.numpy()] = scores.numpy()
    mean = np.array([s[y == c].mean() for c in range(data.classes)])  # all seen in epoch 0's permutation
    q = loop.method.q.numpy()
    assert np.allclose(q, mean[y] / mean[y].sum(), rtol=1e-12, atol=0)
    assert len(np.unique(q)) == len(np.unique(y)) > 1
    assert class_scores(torch.tensor([1.0, 0.0, 3.0, 4.0]), torch.tensor([0, 0, 0, 1]), 3).tolist() == [2.0, 2.0, 2.0, 4.0]
