"""``train.compile: on`` (torch.compile of each operation, cell preprocessing and the stem) trains the
same network as the eager path."""

import pytest

from tests.helpers import tiny_config
from wsnas.training.loop import Loop


def test_compiled_training_matches_eager(tmp_path, double_data):
    import torch._dynamo.utils

    torch._dynamo.utils.counters.clear()
    runs = {}
    for setting in ("off", "on"):
        cfg = tiny_config(f"train.compile={setting}", "model.num_cells=1", "train.epochs=1", "train.children=['243']")
        runs[setting] = Loop(cfg, double_data, tmp_path / setting).run()
    cell = runs["on"].method.model.slots["cell0"][0]
    assert cell.edges[1][3]._compiled_call_impl is not None  # operation 4 of edge O(0,2) is compiled
    # stem, preprocessing and the three operations of child 243, each with a backward graph
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 5
    eager = runs["off"].method.model.state_dict()
    assert set(runs["on"].method.model.state_dict()) == set(eager)  # checkpoints stay interchangeable
    for name, value in runs["on"].method.model.state_dict().items():
        torch.testing.assert_close(value, eager[name], rtol=1e-7, atol=1e-9, msg=name)
    assert runs["on"].history[-1]["train_loss"] == pytest.approx(runs["off"].history[-1]["train_loss"], rel=1e-9)
