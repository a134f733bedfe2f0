"""The bf16 autocast path (the default on CUDA, ``precision: bf16`` anywhere) against the plain fp32 path,
on CPU, where PyTorch's autocast runs the convolutions and the head in bf16 too."""

import pytest
import torch

from tests.helpers import tiny_config
from wsnas.training.device import precision_context, resolved_precision
from wsnas.training.evaluate import evaluate_children
from wsnas.core.model import WeightSharingNet
from wsnas.core.space import child_index
from wsnas.training.stacked import stacked_forward
from wsnas.training.loop import Loop

CPU = torch.device("cpu")


def test_auto_precision_is_fp32_on_cpu_and_bf16_on_cuda():
    assert resolved_precision("auto", CPU) == "fp32"
    assert resolved_precision("auto", torch.device("cuda")) == "bf16"
    assert resolved_precision("fp32", torch.device("cuda")) == "fp32"


def test_bf16_forward_runs_in_bf16_and_stays_close_to_fp32():
    cfg = tiny_config()
    torch.manual_seed(0)
    model = WeightSharingNet(cfg["model"], cfg["sharing"]).train()
    x = torch.randn(64, 3, 8, 8)
    child = child_index("243")
    plain = model(x, child)
    with precision_context("bf16", CPU):
        low = model(x, child)
    assert plain.dtype == torch.float32 and low.dtype == torch.bfloat16
    assert not torch.equal(low.float(), plain)  # really computed in bf16
    torch.testing.assert_close(low.float(), plain, rtol=0.05, atol=0.05 * plain.abs().max().item())
    assert all(b.dtype == torch.float32 for b in model.buffers() if b.is_floating_point())  # BN statistics


def test_bf16_stacked_forward_matches_bf16_one_at_a_time():
    cfg = tiny_config()
    models = []
    for seed in range(3):
        torch.manual_seed(seed)
        models.append(WeightSharingNet(cfg["model"], cfg["sharing"]))
    children = [child_index(c) for c in ("111", "243", "424")]
    xs = [torch.randn(32, 3, 8, 8, generator=torch.Generator().manual_seed(k)) for k in range(3)]
    with precision_context("bf16", CPU):
        stacked = stacked_forward(models, xs, children)
        alone = [m(x, c) for m, x, c in zip(models, xs, children)]
    for k in range(3):
        ref = alone[k].float()
        torch.testing.assert_close(stacked[k].float(), ref, rtol=0.05, atol=0.05 * ref.abs().max().item())


@pytest.fixture(scope="module")
def trained_pair(tmp_path_factory, tiny_cfg, tiny_prepared):
    """The same supernet trained 8 epochs in fp32 and in bf16 autocast."""
    from wsnas.data.device_data import DeviceData

    data = DeviceData(tiny_prepared, tiny_cfg["data"], "cpu", channels_last=True)
    out = {}
    for precision in ("fp32", "bf16"):
        cfg = tiny_config(f"train.precision={precision}", "train.epochs=8", "train.lr=0.1")
        out[precision] = Loop(cfg, data, tmp_path_factory.mktemp(precision)).run()
    return data, out


def test_bf16_training_keeps_fp32_state_and_follows_the_fp32_run(trained_pair):
    _, runs = trained_pair
    plain, low = runs["fp32"], runs["bf16"]
    for p in low.method.model.parameters():
        assert p.dtype == torch.float32
    assert all(v["momentum_buffer"].dtype == torch.float32 for v in low.method.optimizer.state.values())
    assert low.history[-1]["train_loss"] != plain.history[-1]["train_loss"]
    for a, b in zip(plain.history, low.history):  # the same learning curve to within bf16 noise
        assert b["train_loss"] == pytest.approx(a["train_loss"], rel=0.1)
    for run in (plain, low):  # both did learn
        assert run.history[-1]["train_loss"] < 0.9 * run.history[0]["train_loss"]


def test_bf16_evaluation_ranks_the_children_like_fp32(trained_pair):
    from scipy.stats import kendalltau

    data, runs = trained_pair
    cfg = runs["fp32"].cfg
    plain, _ = evaluate_children(runs["fp32"].method.model, data, {**cfg["evaluate"], "precision": "fp32"})
    low, _ = evaluate_children(runs["fp32"].method.model, data, {**cfg["evaluate"], "precision": "bf16"})
    assert (low - plain).abs().max() < 0.03
    assert kendalltau(low, plain).statistic > 0.8
