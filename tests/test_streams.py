"""Several networks trained by one process with their steps interleaved (``wsnas.training.streams``):
on the CPU the same interleaving runs without streams, and every network ends bitwise where it ends
trained alone, its checkpoints and resumption included; the ground truth chunks its children by
``train.streams`` on a CUDA device only."""

import torch

from helpers import tiny_config
from wsnas.core.space import child_index
from wsnas.training import drivers
from wsnas.training.loop import Loop
from wsnas.training.stacked import run_loops
from wsnas.training.streams import run_interleaved, streams_enabled


def _loops(tmp_path, sub, configs):
    return [Loop(cfg, data, tmp_path / sub / str(i), children=children) for i, (cfg, data, children) in enumerate(configs)]


def test_interleaved_networks_train_bitwise_as_each_alone(tmp_path, tiny_data):
    base = ["train.epochs=2", "train.child_order=shuffle"]
    configs = [(tiny_config(*base), tiny_data, [child_index("111")]),
               (tiny_config(*base, "train.init_seed=7", "train.inactive_grads=none"), tiny_data, [child_index("243")]),
               (tiny_config(*base, "train.order_seed=3"), tiny_data, None),  # a supernet of all 64 children
               (tiny_config(*base, "train.batch_size=12"), tiny_data, [child_index("424")])]  # more steps per epoch
    alone = [loop.run() for loop in _loops(tmp_path, "alone", configs)]
    steps = []
    together = _loops(tmp_path, "together", configs)
    for i, loop in enumerate(together):  # record which network each interleaved step belongs to
        loop.method.step = lambda *args, step=loop.method.step, i=i: (steps.append(i), step(*args))[1]
    run_interleaved(together)
    assert steps[:4] == [0, 1, 2, 3]  # one step of each in turn
    for a, b in zip(alone, together):
        assert b.epoch == 2 and b.step == a.step
        assert all(torch.equal(x, y) for x, y in zip(a.method.model.state_dict().values(), b.method.model.state_dict().values()))
        assert [r["train_loss"] for r in b.history] == [r["train_loss"] for r in a.history]
    resumed = _loops(tmp_path, "together", configs)  # every checkpoint written: nothing left to train
    run_interleaved(resumed)
    assert [loop.epoch for loop in resumed] == [2, 2, 2, 2]


def test_run_loops_interleaves_streams_at_a_time(tmp_path, tiny_data, monkeypatch):
    chunks = []
    monkeypatch.setattr("wsnas.training.stacked.run_interleaved", lambda loops, after_epoch=None: chunks.append(len(loops)))
    configs = [(tiny_config("train.epochs=1"), tiny_data, [child_index(c)]) for c in ("111", "222", "333", "444", "412")]
    run_loops(_loops(tmp_path, "x", configs), stacked=False, streams=2)
    assert chunks == [2, 2, 1]
    assert streams_enabled(8, torch.device("cpu")) == 1 and streams_enabled(8, torch.device("cuda")) == 8


def test_the_ground_truth_trains_streams_children_at_a_time_on_cuda(tmp_path, tiny_data, monkeypatch, caplog):
    children = "['111','222','334','424','243']"
    plain = drivers.train_standalone(tiny_config(f"train.children={children}"), tiny_data, tmp_path / "a")
    monkeypatch.setattr(drivers, "streams_enabled", lambda setting, device: int(setting))  # as on a GPU
    with caplog.at_level("INFO", logger="wsnas"):
        together = drivers.train_standalone(tiny_config(f"train.children={children}", "train.streams=4"), tiny_data, tmp_path / "b")
    assert "training children 111 222 334 424 together (interleaved on CUDA streams)" in caplog.text
    assert together.equals(plain)
