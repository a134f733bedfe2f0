import math
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import torch

from tests.helpers import CLI_ENV, assert_same_state, scripted_method, sets, tiny_config
from wsnas.training import checkpoint as ckpt
from wsnas.errors import WsnasError
from wsnas.methods.child_order import ChildSampler
from wsnas.core.space import CHILD_IDS, child_index
from wsnas.training.drivers import train_standalone
from wsnas.training.loop import Loop
from wsnas.training.schedule import cosine_lr


def test_cosine_lr_paper_schedule():
    assert cosine_lr(0, 200, 0.025, 0.001) == pytest.approx(0.025)
    assert cosine_lr(100, 200, 0.025, 0.001) == pytest.approx(0.013)
    assert cosine_lr(199, 200, 0.025, 0.001) == pytest.approx(0.001 + 0.024 * (1 + math.cos(math.pi * 199 / 200)) / 2)
    assert cosine_lr(199, 200, 0.025, 0.001) > 0.001


def test_child_orders():
    fixed = ChildSampler(range(64), "fixed", 3)
    seq = [fixed.next() for _ in range(192)]
    assert sorted(seq[:64]) == list(range(64)) and seq[:64] == seq[64:128] == seq[128:]
    assert seq[:64] != [ChildSampler(range(64), "fixed", 4).next() for _ in range(64)]
    shuffle = ChildSampler(range(64), "shuffle", 3)
    seq = [shuffle.next() for _ in range(128)]
    assert sorted(seq[:64]) == sorted(seq[64:]) == list(range(64)) and seq[:64] != seq[64:]
    uniform = ChildSampler(range(64), "uniform", 3)
    seq = [uniform.next() for _ in range(64)]
    assert len(set(seq)) < 64  # i.i.d. draws repeat children
    again = ChildSampler(range(64), "uniform", 3)
    assert seq == [again.next() for _ in range(64)]


def test_sampler_state_round_trip():
    a = ChildSampler(range(64), "shuffle", 5)
    for _ in range(70):
        a.next()
    b = ChildSampler(range(64), "shuffle", 0)
    b.load_state_dict(a.state_dict())
    assert [a.next() for _ in range(100)] == [b.next() for _ in range(100)]


@pytest.mark.parametrize("mode", ["zero", "none"])
def test_inactive_grads_switch(tmp_path, tiny_data, mode):
    """zero (original): weights used earlier keep moving (momentum, weight decay) while another child trains."""
    cfg = tiny_config(f"train.inactive_grads={mode}", "train.epochs=1")
    a, b = child_index("222"), child_index("111")  # '222' uses sep_conv_3x3 everywhere, '111' never
    trainer = Loop(cfg, tiny_data, tmp_path, method=scripted_method(cfg, tiny_data, [a] + [b] * 20))
    sep3 = trainer.method.model.slots["cell0"][0].edges[0][1][1].weight
    snapshots = [sep3.detach().clone()]
    trainer.train_epoch(on_step=lambda tr: snapshots.append(sep3.detach().clone()))
    assert not torch.equal(snapshots[0], snapshots[1])  # '222' trained it
    moved_while_b_trains = not torch.equal(snapshots[2], snapshots[3])
    assert moved_while_b_trains == (mode == "zero")


def test_momentum_buffers_belong_to_their_copy(tmp_path, tiny_data):
    cfg = tiny_config("sharing.mode=prefix", "sharing.prefix_cells=1", "train.epochs=1")
    a, b = 5, 40
    trainer = Loop(cfg, tiny_data, tmp_path, method=scripted_method(cfg, tiny_data, [a, b]))
    trainer.train_epoch()
    state = trainer.method.optimizer.state
    head_a = trainer.method.model.slots["head"][a].linear.weight
    head_b = trainer.method.model.slots["head"][b].linear.weight
    head_c = trainer.method.model.slots["head"][7].linear.weight
    assert head_a in state and head_b in state and head_c not in state
    assert not torch.equal(state[head_a]["momentum_buffer"], state[head_b]["momentum_buffer"])


def test_checkpoint_every_epoch_and_resume_is_bit_identical(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=3", "train.child_order=shuffle", "train.dense_eval_steps=4")
    full = Loop(cfg, tiny_data, tmp_path / "full").run()
    assert list(ckpt.epoch_files(tmp_path / "full")) == [1, 2, 3]
    part = Loop(tiny_config("train.epochs=3", "train.child_order=shuffle", "train.dense_eval_steps=4"),
                   tiny_data, tmp_path / "part")
    part.train_epoch()
    part.save()
    resumed = Loop(cfg, tiny_data, tmp_path / "part").run()
    assert resumed.epoch == 3
    for k, v in full.method.model.state_dict().items():
        assert torch.equal(v, resumed.method.model.state_dict()[k]), k
    table = full.dense_table()
    assert list(table["step"]) == list(range(full.total_steps - 3, full.total_steps + 1))
    assert table.shape == (4, 66) and table.equals(resumed.dense_table())
    assert set(table["trained"]) <= set(CHILD_IDS)


def test_truncated_newest_checkpoint_is_reported_and_skipped(tmp_path, tiny_data, caplog):
    cfg = tiny_config("train.epochs=2")
    Loop(cfg, tiny_data, tmp_path).run()
    newest = ckpt.epoch_path(tmp_path, 2)
    newest.write_bytes(newest.read_bytes()[:1000])
    with pytest.raises(ckpt.CorruptCheckpointError, match="epoch_0002.pt"):
        ckpt.load_checkpoint(newest)
    resumed = Loop(cfg, tiny_data, tmp_path)
    with caplog.at_level("WARNING", logger="wsnas"):
        assert resumed.resume()
    assert resumed.epoch == 1
    assert "epoch_0002.pt" in caplog.text and "truncated or corrupt" in caplog.text
    resumed.run()
    assert ckpt.load_checkpoint(newest)["epoch"] == 2


def test_resume_under_other_settings_is_refused(tmp_path, tiny_data):
    Loop(tiny_config("train.epochs=1"), tiny_data, tmp_path).run()
    with pytest.raises(WsnasError, match="other settings"):
        Loop(tiny_config("train.epochs=1", "train.lr=0.5"), tiny_data, tmp_path).run()


def test_failed_write_leaves_no_half_file(tmp_path, monkeypatch):
    target = tmp_path / "epoch_0001.pt"
    ckpt.save_atomic({"x": torch.zeros(3)}, target)

    def failing_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(torch, "save", failing_save)
    with pytest.raises(WsnasError, match="No space left on device"):
        ckpt.save_atomic({"x": torch.ones(3)}, target)
    assert torch.equal(ckpt.load_checkpoint(target)["x"], torch.zeros(3))  # the old file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["epoch_0001.pt"]


class Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_checkpoint_with_pickled_object_is_refused(tmp_path):
    path = tmp_path / "epoch_0001.pt"
    torch.save({"model": {}, "payload": Evil()}, path)
    with pytest.raises(ckpt.CorruptCheckpointError, match="pickled Python objects"):
        ckpt.load_checkpoint(path)
    assert ckpt.newest_valid(tmp_path) is None


def test_standalone_ground_truth_table(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=2", "train.children=['111','444']")
    table = train_standalone(cfg, tiny_data, tmp_path)
    assert list(table["child"]) == ["111", "111", "444", "444"] and list(table["epoch"]) == [1, 2, 1, 2]
    assert table["accuracy"].between(0, 1).all() and table["accuracy"].nunique() > 1
    assert sorted(p.name for p in (tmp_path / "111").iterdir()) == ["epoch_0001.pt", "epoch_0002.pt"]
    again = train_standalone(cfg, tiny_data, tmp_path)  # resumes: nothing left to train, same numbers
    assert again.equals(table)


def _cli_train(folder, epochs):
    return [sys.executable, "-m", "wsnas", "train-supernet", "--threads", "1", "--checkpoints", str(folder),
            *sets(f"train.epochs={epochs}", "train.child_order=uniform")]


@pytest.mark.slow  # a subprocess killed mid-run; in process: test_checkpoint_every_epoch_and_resume_is_bit_identical
def test_killed_training_process_resumes_bit_identical(tmp_path):
    epochs = 12
    env = CLI_ENV
    subprocess.run(_cli_train(tmp_path / "straight", epochs), check=True, env=env, capture_output=True)
    proc = subprocess.Popen(_cli_train(tmp_path / "killed", epochs), env=env, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not ckpt.epoch_path(tmp_path / "killed", 3).exists():
        assert proc.poll() is None and time.time() < deadline, "training ended before it could be killed"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = ckpt.epoch_files(tmp_path / "killed")
    assert 3 <= max(done) < epochs, "the kill must land mid-run"
    out = subprocess.run(_cli_train(tmp_path / "killed", epochs), check=True, env=env, capture_output=True, text=True)
    assert f"resumed from {ckpt.epoch_path(tmp_path / 'killed', max(done))}" in out.stderr
    a = ckpt.load_checkpoint(ckpt.epoch_path(tmp_path / "straight", epochs))
    b = ckpt.load_checkpoint(ckpt.epoch_path(tmp_path / "killed", epochs))
    assert_same_state(a, b)


def test_supernet_rankings_at_every_kth_epoch_and_the_last_ones_equal_the_full_ones(tmp_path, tiny_prepared):
    """analysis.rank_every: the sparse rankings are the full table's rows at the ranked epochs."""
    from wsnas.data.datasets import save_prepared
    from wsnas.jobs.training import evaluate_subnets, train_supernet
    from wsnas.plan.runs import ranked_epochs

    assert ranked_epochs(range(1, 201), 10, 10) == [*range(10, 191, 10), *range(191, 201)]
    assert ranked_epochs(range(1, 9), 1, 2) == list(range(1, 9))
    cfg = tiny_config("train.epochs=3")
    data = tmp_path / "data.pt"
    save_prepared(tiny_prepared, data)
    train_supernet(cfg, data, tmp_path / "ckpt", manifest=tmp_path / "manifest.json")
    tables = {}
    for every, last in ((1, 1), (2, 1)):
        out = tmp_path / f"accuracy_{every}.csv"
        evaluate_subnets(cfg, data, tmp_path / "manifest.json", out, every=every, last=last)
        tables[every] = pd.read_csv(out)
    assert sorted(set(tables[2]["epoch"])) == [2, 3]
    full = tables[1][tables[1]["epoch"].isin([2, 3])].reset_index(drop=True)
    pd.testing.assert_frame_equal(tables[2], full)
