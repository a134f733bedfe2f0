"""Stacked (batched) training of independent networks matches training each one alone."""

import pytest
import torch

from tests.helpers import tiny_config
from wsnas.core.model import WeightSharingNet
from wsnas.core.space import child_index
from wsnas.training.stacked import run_stacked, stacked_forward
from wsnas.training.drivers import train_standalone
from wsnas.training.loop import Loop

CHILDREN = ["111", "243", "424", "243"]  # members with different and with equal operations per edge


def _models(cfg, seeds, memory_format):
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        models.append(WeightSharingNet(cfg["model"], cfg["sharing"]).to(memory_format=memory_format))
    return models


@pytest.mark.parametrize("memory_format", [torch.contiguous_format, torch.channels_last])
def test_stacked_forward_and_backward_match_each_network_alone(memory_format):
    cfg = tiny_config()
    stacked, alone = _models(cfg, range(4), memory_format), _models(cfg, range(4), memory_format)
    children = [child_index(c) for c in CHILDREN]
    g = torch.Generator().manual_seed(0)
    xs = [torch.randn(16, 3, 8, 8, generator=g).contiguous(memory_format=memory_format) for _ in children]
    ys = [torch.randint(0, 10, (16,), generator=g) for _ in children]
    logits = stacked_forward(stacked, xs, children)
    assert logits.shape == (4, 16, 10)
    sum(torch.nn.functional.cross_entropy(lg, y) for lg, y in zip(logits, ys)).backward()
    for k, (model, child) in enumerate(zip(alone, children)):
        out = model(xs[k], child)
        torch.testing.assert_close(logits[k], out, rtol=1e-4, atol=1e-5)
        torch.nn.functional.cross_entropy(out, ys[k]).backward()
        for (name, a), b in zip(model.named_parameters(), stacked[k].parameters()):
            assert (a.grad is None) == (b.grad is None), name  # the same parameters take part
            if a.grad is not None:
                torch.testing.assert_close(b.grad, a.grad, rtol=1e-3, atol=1e-5, msg=name)
        for (name, a), b in zip(model.named_buffers(), stacked[k].buffers()):
            torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-6, msg=name)  # per-member BN statistics


def _assert_same_weights(a, b):
    for name, value in a.method.model.state_dict().items():
        torch.testing.assert_close(b.method.model.state_dict()[name], value, rtol=1e-7, atol=1e-9, msg=name)


def _trainers(tmp_path, data, configs, sub):
    return [Loop(cfg, data, tmp_path / sub / str(i), children=children)
            for i, (cfg, children) in enumerate(configs)]


@pytest.mark.parametrize("inactive", ["zero", "none"])
def test_stacked_training_matches_one_at_a_time(tmp_path, double_data, inactive):
    """Two standalone children, a child with another init seed, and a 16-child group supernet
    (Sec. 4.2 groups are trained independently): stacked for 2 epochs = each trained alone."""
    base = [f"train.inactive_grads={inactive}", "train.epochs=2", "train.child_order=shuffle"]
    configs = [
        (tiny_config(*base), [child_index("111")]),
        (tiny_config(*base), [child_index("243")]),
        (tiny_config(*base, "train.init_seed=7"), [child_index("243")]),
        (tiny_config(*base, "train.order_seed=3"), [child_index(c) for c in ("111", "124", "341", "424")] * 4),
    ]
    alone = [t.run() for t in _trainers(tmp_path, double_data, configs, "alone")]
    stacked = run_stacked(_trainers(tmp_path, double_data, configs, "stacked"))
    for a, b in zip(alone, stacked):
        assert b.epoch == 2 and b.step == a.step
        _assert_same_weights(a, b)
        assert b.history[-1]["train_loss"] == pytest.approx(a.history[-1]["train_loss"], rel=1e-9)
        assert set(map(id, b.method.optimizer.state)) == {id(p) for p in b.method.model.parameters()
                                                   if p in b.method.optimizer.state}
        assert len(b.method.optimizer.state) == len(a.method.optimizer.state)


def test_stacked_members_resume_from_different_epochs(tmp_path, double_data):
    cfg = tiny_config("train.epochs=2")
    configs = [(cfg, [child_index("111")]), (cfg, [child_index("432")])]
    reference = [t.run() for t in _trainers(tmp_path, double_data, configs, "alone")]
    ahead = _trainers(tmp_path, double_data, configs, "stacked")[0]
    ahead.train_epoch()
    ahead.after_epoch()  # member 0 checkpointed at epoch 1, member 1 has nothing yet
    resumed = run_stacked(_trainers(tmp_path, double_data, configs, "stacked"))
    assert [t.epoch for t in resumed] == [2, 2]
    for a, b in zip(reference, resumed):
        _assert_same_weights(a, b)


def test_ground_truth_stacked_equals_one_at_a_time(tmp_path, double_data, caplog):
    children = "['111','222','334','424','243']"
    plain = train_standalone(tiny_config("train.stacked=off", f"train.children={children}"), double_data, tmp_path / "a", stack=4)
    with caplog.at_level("INFO", logger="wsnas"):
        stacked = train_standalone(tiny_config("train.stacked=on", f"train.children={children}"), double_data, tmp_path / "b", stack=4)
    assert "training children 111 222 334 424 together (stacked)" in caplog.text  # then 243 alone
    assert list(stacked["child"]) == list(plain["child"])
    torch.testing.assert_close(torch.tensor(stacked["loss"].values), torch.tensor(plain["loss"].values), rtol=1e-9, atol=1e-10)
    assert stacked["accuracy"].equals(plain["accuracy"])
