import torch

from tests.helpers import tiny_config
from wsnas.training.evaluate import accuracy_table, evaluate_children
from wsnas.training.loop import Loop


def trained(tmp_path, data, *overrides):
    return Loop(tiny_config("train.epochs=1", *overrides), data, tmp_path).run()


def manual_accuracy(model, data, child):
    model.eval()
    with torch.no_grad():
        logits = model(data.test_x, child)
    return (logits.argmax(1) == data.test_y).float().mean().item()


def test_running_mode_matches_plain_per_child_evaluation(tmp_path, tiny_data):
    trainer = trained(tmp_path, tiny_data)
    trainer.method.model.train()
    acc, loss = evaluate_children(trainer.method.model, tiny_data, trainer.cfg["evaluate"])
    assert trainer.method.model.training  # the caller's mode is restored
    assert acc.shape == (64,) and loss.shape == (64,)
    for child in (0, 21, 63):
        assert abs(acc[child].item() - manual_accuracy(trainer.method.model, tiny_data, child)) < 1e-6


def test_batch_mode_uses_batch_statistics_and_keeps_running_ones(tmp_path, tiny_data):
    trainer = trained(tmp_path, tiny_data)
    model = trainer.method.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    cfg = dict(trainer.cfg["evaluate"], bn_mode="batch", batch_size=10_000)
    acc, _ = evaluate_children(model, tiny_data, cfg, children=[5])
    for k, v in model.state_dict().items():
        assert torch.equal(v, before[k]), k
    model.train()
    saved = [(m, m.momentum) for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m, _ in saved:
        m.momentum = 0.0
    with torch.no_grad():
        expect = (model(tiny_data.test_x, 5).argmax(1) == tiny_data.test_y).float().mean().item()
    assert abs(acc[0].item() - expect) < 1e-6


def test_recalibrate_mode_changes_only_results_not_the_model(tmp_path, tiny_data):
    trainer = trained(tmp_path, tiny_data)
    before = {k: v.clone() for k, v in trainer.method.model.state_dict().items()}
    cfg = dict(trainer.cfg["evaluate"], bn_mode="recalibrate", recalibrate_batches=3)
    acc_r, _ = evaluate_children(trainer.method.model, tiny_data, cfg, children=[0, 40])
    acc_run, _ = evaluate_children(trainer.method.model, tiny_data, trainer.cfg["evaluate"], children=[0, 40])
    for k, v in trainer.method.model.state_dict().items():
        assert torch.equal(v, before[k]), k
    assert not torch.equal(acc_r, acc_run)


def test_accuracy_table_columns():
    table = accuracy_table(torch.tensor([0.5, 0.25]), torch.tensor([1.0, 2.0]), children=[0, 63], epoch=3)
    assert list(table.columns) == ["epoch", "child", "accuracy", "loss"]
    assert list(table["child"]) == ["111", "444"] and list(table["epoch"]) == [3, 3]
