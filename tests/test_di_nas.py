"""DI-NAS (wsnas.methods.di_nas; Niu et al. 2020, Sec. 4.1): the projection equals Eqs. 7-8, protects what a
layer computed on its recorded inputs, reduces to single path where it should, and resumes exactly. The tests
follow ../shared/specs/di-nas.md, Sec. 5 (T1-T6, T8, T9, T11, T13)."""

import logging
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tests.helpers import assert_declared_records, assert_same_state, tiny_config
from wsnas.config import merged
from wsnas.core.space import child_index
from wsnas.data.datasets import prepare
from wsnas.data.device_data import DeviceData
from wsnas.errors import WsnasError
from wsnas.plan.runs import single_path_config
from wsnas.methods.di_nas.trainer import DINAS, LayerGram, projected
from wsnas.training.evaluate import evaluate_children
from wsnas.training.loop import Loop


def eq8(x_columns, lam):
    """Eq. 8 from P = I, one sample at a time."""
    d = x_columns.shape[0]
    p = torch.eye(d, dtype=torch.float64)
    for x in x_columns.T:
        px = p @ x
        p = p - torch.outer(px, px) / (lam + x @ px)
    return p


@pytest.mark.parametrize("n", [5, 50])
@pytest.mark.parametrize("lam", [1e-3, 1.0, 10.0])
def test_recursion_equals_closed_form_and_information_form(n, lam):
    """T1, T2: Eq. 8 applied recursively = Eq. 7 = lambda (lambda I + X X^T)^-1 = what ``projected``
    applies; P is symmetric with eigenvalues in (0, 1] and never grows."""
    g = torch.Generator().manual_seed(n)
    d = 20
    x = torch.randn(d, n, generator=g, dtype=torch.float64)
    p8 = eq8(x, lam)
    p7 = torch.eye(d, dtype=torch.float64) - x @ torch.linalg.solve(lam * torch.eye(n, dtype=torch.float64) + x.T @ x, x.T)
    info = lam * torch.linalg.inv(lam * torch.eye(d, dtype=torch.float64) + x @ x.T)
    # the information form inverts lambda I + X X^T, whose condition number is up to 1e5 here
    condition = float(torch.linalg.eigvalsh(x @ x.T).max()) / lam + 1
    assert torch.allclose(p8, p7, atol=1e-12, rtol=0) and torch.allclose(p7, info, atol=1e-15 * condition, rtol=0)
    grad = torch.randn(1, 7, d, generator=g, dtype=torch.float64)
    assert torch.allclose(projected(grad, (x @ x.T)[None], lam)[0], grad[0] @ p7, atol=1e-14 * condition, rtol=0)
    assert torch.allclose(p8, p8.T, atol=1e-12, rtol=0)
    eig = torch.linalg.eigvalsh(p8)
    assert eig.min() > 0 and eig.max() <= 1 + 1e-12
    shrink = p8 - eq8(torch.cat([x, torch.randn(d, 3, generator=g, dtype=torch.float64)], 1), lam)
    assert torch.linalg.eigvalsh((shrink + shrink.T) / 2).min() > -1e-12  # P_{t+1} <= P_t


def _protected_step(module, recorded, lam):
    """Output change on the ``recorded`` inputs after one projected and one plain SGD step (momentum 0,
    weight decay 0) along the gradient of another input; and ||G P|| / ||G||."""
    layer = LayerGram(module, "positions")
    for x in recorded:
        layer.record(x)
        layer.fold(0)
    before_out = [module(x).detach() for x in recorded]
    module(torch.randn_like(recorded[0])).square().sum().backward()
    g = layer.gradient().clone()
    gp = projected(g, layer.gram, lam)
    before = {n: p.detach().clone() for n, p in module.named_parameters()}
    changes = []
    for grad in (gp, g):
        layer.set_gradient(grad)
        with torch.no_grad():
            for p in module.parameters():
                p -= 0.1 * p.grad
            changes.append(sum(float((module(x) - out).norm()) for x, out in zip(recorded, before_out)))
            for n, p in module.named_parameters():
                p.copy_(before[n])
    return changes, float(gp.norm() / g.norm())


@pytest.mark.parametrize("module, shape, n", [
    (nn.Linear(20, 6, dtype=torch.float64), (1, 20), 5),
    (nn.Conv2d(16, 4, 3, padding=1, bias=False, dtype=torch.float64), (1, 16, 3, 3), 1),
    (nn.Conv2d(16, 16, 5, padding=2, groups=16, bias=False, dtype=torch.float64), (1, 16, 3, 3), 1),
], ids=["linear", "conv", "depthwise"])
def test_a_projected_step_leaves_the_recorded_outputs_alone(module, shape, n):
    """T3, T4: with a small lambda and fewer recorded columns than inputs (5 vectors of 21 for the linear
    layer with its bias; 9 positions of 144 for the conv, 9 of 25 per group for the depthwise one), one
    projected step changes the layer's outputs on its recorded inputs by < 1e-6 of a plain step along the
    gradient of another input, and is not trivially zero."""
    torch.manual_seed(0)
    (projected_change, plain_change), ratio = _protected_step(module, [torch.randn(shape, dtype=torch.float64) for _ in range(n)], 1e-10)
    assert plain_change > 1e-3 and projected_change < 1e-6 * plain_change, (projected_change, plain_change)
    assert ratio > 0.3


@pytest.mark.parametrize("module", [
    nn.Conv2d(16, 16, 5, padding=4, dilation=2, groups=16, bias=False),  # the dil5x5 operation's depthwise conv
    nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False),
    nn.Conv2d(32, 16, 1, bias=False),
], ids=["depthwise-dilated", "depthwise", "pointwise"])
def test_recorded_columns_are_the_patches_the_layer_multiplies(module):
    """A layer's output on its batch-mean input is its weight times the recorded columns, group by group:
    the unfolded patches follow the layer's padding, dilation and groups."""
    x = torch.randn(4, module.in_channels, 8, 8)
    layer = LayerGram(module, "positions")
    layer.record(x)
    w = module.weight.detach().reshape(layer.groups, -1, layer.d).double()
    out = (w @ layer.inputs[0]).reshape(module.out_channels, 8, 8)
    assert torch.allclose(out, module(x.mean(0, keepdim=True))[0].double(), atol=1e-5)


def _tiny(**method):
    cfg = tiny_config("train.epochs=2")
    return merged(cfg, method={"name": "di_nas", **method}), DeviceData(prepare(cfg["data"]), cfg["data"], torch.device("cpu"))


def test_infinite_lambda_trains_the_baseline_weights_exactly():
    """T6: lambda = inf projects nothing (A still accumulates): the weights equal single path's, bit for bit."""
    cfg, data = _tiny(**{"lambda": math.inf})
    dinas = Loop(cfg, data, None)
    base = Loop(single_path_config(cfg), data, None)
    for loop in (dinas, base):
        for _ in range(2):
            loop.train_epoch()
    assert_same_state(dinas.method.model.state_dict(), base.method.model.state_dict())
    assert any(layer.gram.abs().sum() > 0 for layer in dinas.method.layers.values())


def _disturbance_of_a(lam: float, steps: int = 6, probes: int = 2):
    """T5 at network level. Child A (222) trains ``steps`` DI-NAS steps, the last ``probes`` of them on one
    image each, so that a recorded batch mean is that image's own layer input; then child B (233: the same
    stem, preprocessing, O(0,1) operations and head, its own sep5x5 on O(0,2) and O(1,2)) takes one step,
    projected, and again from the same state, plain. Momentum 0, weight decay 0 and BN in eval mode with
    running statistics frozen (and its affine parameters too): only the convolution and linear weights, the
    maps DI-NAS projects, move. Returns (A's logit change projected / plain, B's), on A's probe images."""
    cfg, data = _tiny(**{"lambda": lam})
    cfg = merged(cfg, train={"momentum": 0.0, "weight_decay": 0.0, "inactive_grads": "none", "batch_size": 32})
    loop = Loop(cfg, data, None)
    method, model = loop.method, loop.method.model
    a, b = child_index("222"), child_index("233")
    batches = iter(loop.batches())
    model.train()
    with torch.no_grad():  # BN running statistics from A's batches (no gradient: nothing is recorded), then frozen
        for _ in range(3):
            model(next(batches).x, a)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
            m.requires_grad_(False)

    def step(child, x, y, project=True):
        method.optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x, child), y).backward()
        if project:
            method.after_backward(child)
        method.optimizer.step()

    for _ in range(steps - probes):
        batch = next(batches)
        step(a, batch.x, batch.y)
    probe = next(batches)
    for i in range(probes):
        step(a, probe.x[i:i + 1], probe.y[i:i + 1])
    x = probe.x[:probes]
    a_layers = [n for n, layer in method.layers.items() if layer.gram.abs().sum() > 0]
    other = next(batches)
    with torch.no_grad():
        before = {c: model(x, c) for c in (a, b)}
    start = {k: v.clone() for k, v in model.state_dict().items()}
    change = {}
    for project in (True, False):
        model.load_state_dict(start)
        step(b, other.x, other.y, project)
        with torch.no_grad():
            change[project] = {c: float((model(x, c) - before[c]).norm()) for c in (a, b)}
    shared = [n for n in a_layers if not torch.equal(start[f"{n}.weight"], model.state_dict()[f"{n}.weight"])]
    # B's plain step moves some of A's layers, not all, and A's logits with them
    assert 0 < len(shared) < len(a_layers) and change[False][a] > 1e-3, (shared, change)
    return change[True][a] / change[False][a], change[True][b] / change[False][b]


def test_a_projected_step_of_another_child_leaves_the_network_outputs_alone(record_property):
    """T5, Eq. 3's disturbance at network level: after DI-NAS trained child A (lambda 1e-3), one projected step
    of child B, which shares layers with A, changes A's logits on A's recorded inputs by less than 0.1 of what
    a plain step of B changes them (the spec's threshold), while B's own logits still move. Without the
    projection (lambda .inf) the ratio is 1: the test detects a projection that does nothing."""
    a_ratio, b_ratio = _disturbance_of_a(1e-3)
    record_property("t5_disturbance_ratio", a_ratio)
    logging.getLogger(__name__).info("T5: A's logit change projected / plain = %.3g; B's own = %.3g", a_ratio, b_ratio)
    assert a_ratio < 0.1, f"A's logits changed {a_ratio:.3g} of a plain step's change"
    assert b_ratio > 0.01 and b_ratio > 10 * a_ratio, (a_ratio, b_ratio)
    assert _disturbance_of_a(math.inf) == (1.0, 1.0)


def test_first_step_is_plain_sgd_and_only_the_sampled_child_records():
    """T8, T9: A = 0 at the first step, so its update is plain SGD's; only the sampled child's layers fold
    inputs into A, and evaluating children (in every BN mode) records nothing."""
    cfg, data = _tiny()
    dinas, base = Loop(cfg, data, None), Loop(single_path_config(cfg), data, None)
    batch = next(iter(dinas.batches()))
    for loop in (dinas, base):
        loop.start_epoch()
        child = loop.method.step(batch).child
    assert_same_state(dinas.method.model.state_dict(), base.method.model.state_dict())
    grads = {n: m.weight.grad for n, m in base.method.model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}
    used = {n: g is not None and bool(g.abs().sum() > 0) for n, g in grads.items()}  # the child's layers
    assert 0 < sum(used.values()) < len(used), child
    for n, layer in dinas.method.layers.items():
        assert bool(layer.gram.abs().sum() > 0) == used[n], n
    grams = {n: layer.gram.clone() for n, layer in dinas.method.layers.items()}
    for mode in ("running", "batch", "recalibrate"):
        evaluate_children(dinas.method.model, data, dict(cfg["evaluate"], bn_mode=mode), [0, 5])
    assert all(torch.equal(grams[n], layer.gram) for n, layer in dinas.method.layers.items())


def test_isotropic_control_steps_along_the_gradient_with_the_projected_norm():
    """T13: from the same A, the control's per-layer gradient has DI-NAS's norm and the plain direction."""
    cfg, data = _tiny()
    loops = {c: Loop(merged(cfg, method={"name": "di_nas", "control": c}), data, None) for c in ("none", "isotropic")}
    for loop in loops.values():
        loop.train_epoch()  # both fold the same inputs: A is the same (the weights already differ)
    m, c = loops["none"].method, loops["isotropic"].method
    c.load_state_dict(m.state_dict(), "test")
    batch = next(iter(loops["none"].batches()))
    grads = {}
    for name, method in (("none", m), ("isotropic", c)):
        child = method.begin_step()
        F.cross_entropy(method.model(batch.x, child), batch.y).backward()
        plain = {n: layer.gradient().clone() for n, layer in method.layers.items() if layer.gradient() is not None}
        method.after_backward(child)
        grads[name] = {n: (plain[n], method.layers[n].gradient()) for n in plain if method.layers[n].gram.abs().sum() > 0}
    checked = 0
    for n, (plain, control) in grads["isotropic"].items():
        _, projected_grad = grads["none"][n]
        if plain.norm() == 0:
            continue
        assert abs(float(control.norm() - projected_grad.norm())) <= 1e-5 * float(projected_grad.norm()) + 1e-12, n
        cosine = F.cosine_similarity(control.flatten().double(), plain.flatten().double(), dim=0)
        assert cosine > 1 - 1e-6, n
        checked += 1
    assert checked > 5


def test_resume_is_bit_identical_and_needs_the_matrices(tmp_path):
    """T11: A lives in the checkpoint; a run resumed after epoch 1 ends with the same weights and A."""
    cfg, data = _tiny()
    whole = Loop(cfg, data, tmp_path / "whole").run()
    first = Loop(cfg, data, tmp_path / "split")
    first.train_epoch()
    first.after_epoch()
    resumed = Loop(cfg, data, tmp_path / "split").run()
    assert resumed.epoch == 2
    assert_same_state(resumed.method.state_dict(), whole.method.state_dict())
    assert "dinas_ratio_stem" in whole.history[-1] and 0 < whole.history[-1]["dinas_trace_head"] <= 1
    assert_declared_records("di_nas", whole.history[-1])
    with pytest.raises(WsnasError, match="no DI-NAS input matrices"):
        DINAS(cfg, data, list(range(64))).load_state_dict({**base_state(cfg, data)}, "a single-path checkpoint")


def test_excluding_self_projects_with_the_other_children_inputs_only(tmp_path):
    """A3 (``exclude_self``): each child's share of A is its own inputs, the shares sum to A, a child trained
    alone is never projected (single path's weights bit for bit), and the shares resume exactly."""
    cfg, data = _tiny(exclude_self=True)
    alone = merged(cfg, train={"children": ["111"]})
    loops = [Loop(alone, data, None), Loop(single_path_config(alone), data, None)]
    for loop in loops:
        loop.train_epoch()
    assert_same_state(loops[0].method.model.state_dict(), loops[1].method.model.state_dict())
    assert any(layer.gram.abs().sum() > 0 for layer in loops[0].method.layers.values())

    whole = Loop(cfg, data, tmp_path / "whole").run()
    layers = whole.method.layers.values()
    assert all(torch.allclose(sum(layer.own.values()), layer.gram, rtol=1e-12, atol=1e-9) for layer in layers if layer.own)
    stem = next(layer for name, layer in whole.method.layers.items() if "stem" in name)
    assert len(stem.own) > 1  # every child uses the stem: each has its own share
    first = Loop(cfg, data, tmp_path / "split")
    first.train_epoch()
    first.after_epoch()
    resumed = Loop(cfg, data, tmp_path / "split").run()
    assert_same_state(resumed.method.state_dict(), whole.method.state_dict())
    with pytest.raises(WsnasError, match="method.exclude_self"):
        Loop(merged(cfg, method={"exclude_self": "yes"}), data, None)

    # the shares are resume-only state: checkpoints older than the newest two drop them, evaluation still
    # loads those, and training on from one is refused in one line
    longer = merged(cfg, train={"epochs": 4})
    Loop(longer, data, tmp_path / "long").run()
    files = sorted((tmp_path / "long").glob("epoch_*.pt"))
    assert [("own_grams" in torch.load(f, weights_only=True)["method"]) for f in files] == [False, False, True, True]
    for f in files[2:]:
        f.unlink()
    stale = Loop(longer, data, tmp_path / "long")
    assert stale.resume() and stale.epoch == 2
    with pytest.raises(WsnasError, match="no per-child input matrices"):
        stale.train_epoch()


def base_state(cfg, data):
    return Loop(single_path_config(cfg), data, None).method.state_dict()


def test_bad_options_are_refused_in_one_line():
    cfg, data = _tiny(**{"lambda": 0})
    with pytest.raises(WsnasError, match="method.lambda"):
        Loop(cfg, data, None)
    with pytest.raises(WsnasError, match="method.input"):
        Loop(merged(cfg, method={"lambda": 1.0, "input": "patches"}), data, None)
