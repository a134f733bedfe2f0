"""Several networks trained by one process with their steps interleaved (``wsnas.training.streams``):
on the CPU the same interleaving runs without streams, and every network ends bitwise where it ends
trained alone, its checkpoints and resumption included; the ground truth chunks its children by
``train.streams`` on a CUDA device only."""

import time
from pathlib import Path

import pytest
import torch

from helpers import assert_same_state, tiny_config
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


def test_a_pack_of_search_instances_writes_bitwise_what_each_instance_job_writes(tmp_path):
    """``train.streams`` > 1 packs a search run's instances into one job (rules/searches.smk): its instances,
    interleaved, end with the dense tables, epoch records and checkpoints of their own jobs (the records
    noting the pack's size), and each instance's cost is its epochs' seconds over the pack's size; instances
    trained alone and packed afterwards train nothing and keep their own epochs' seconds."""
    import json

    import pandas as pd

    from wsnas.jobs import training
    from wsnas.training import runtime
    from wsnas.training.checkpoint import load_checkpoint

    configs = [tiny_config(f"train.init_seed={i}", f"train.data_seed={i}", f"train.order_seed={i}",
                           "train.dense_eval_steps=2", "train.child_order=uniform", "method.name=pada") for i in (0, 1, 2)]
    for i, cfg in enumerate(configs):
        folder = tmp_path / "alone" / str(i)
        training.train_search(cfg, None, folder / "ckpt", folder / "manifest.json", folder / "dense.csv",
                              folder / "epochs.csv", run="pada")
    folders = [tmp_path / "packed" / str(i) / "ckpt" for i in range(3)]
    started = time.perf_counter()
    training.train_search_pack(configs, None, folders, tmp_path / "pack", [0, 1, 2], run="pada")
    wall = time.perf_counter() - started
    n_train = runtime.device_data(configs[0]).n_train
    for i in range(3):
        alone, packed = tmp_path / "alone" / str(i), tmp_path / "pack" / str(i)
        assert (alone / "dense.csv").read_bytes() == (packed / "dense.csv").read_bytes(), i
        records = [pd.read_csv(f / "epochs.csv") for f in (alone, packed)]
        assert records[1]["pack_size"].tolist() == [3, 3] and "pack_size" not in records[0]
        assert records[0].drop(columns="images_per_s").equals(records[1].drop(columns=["images_per_s", "pack_size"]))
        a, p = (json.loads((f / "manifest.json").read_text()) for f in (alone, packed))
        assert a["epochs"] == p["epochs"] == [1, 2] and p["checkpoint_dir"] == str(folders[i])
        # the process-wide generator's state differs (the loops share it) and nothing in a step draws from it
        assert_same_state(*(load_checkpoint(Path(m["checkpoint_dir"]) / m["files"]["2"]) for m in (a, p)),
                          skip=("history", "torch_rng"))
        seconds = json.loads((packed / "cost.json").read_text())["seconds"]  # a third of the pack's epochs
        assert seconds == pytest.approx(sum(n_train / r["images_per_s"] / 3 for r in p["history"]))
        assert 0 < seconds < wall / 3
    # the instances trained one job each, packed afterwards (train.streams changed): each resumes at its last
    # epoch, trains nothing, writes the same files and keeps the seconds of the epochs it trained alone
    trained = [tmp_path / "alone" / str(i) / "ckpt" for i in range(3)]
    stamps = [sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir()) for folder in trained]
    training.train_search_pack(configs, None, trained, tmp_path / "repack", [0, 1, 2], run="pada")
    assert [sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir()) for folder in trained] == stamps
    for i in range(3):
        for name in ("dense.csv", "manifest.json", "epochs.csv"):
            assert (tmp_path / "repack" / str(i) / name).read_bytes() == (tmp_path / "alone" / str(i) / name).read_bytes()
        alone = json.loads((tmp_path / "alone" / str(i) / "manifest.json").read_text())["history"]
        repacked = json.loads((tmp_path / "repack" / str(i) / "cost.json").read_text())["seconds"]
        assert repacked == pytest.approx(sum(n_train / r["images_per_s"] for r in alone))
    out = tmp_path / "out"
    training.unpack_search_instance(tmp_path / "pack", "2", out / "m.json", out / "d.csv", out / "e.csv", out / "b.tsv")
    assert (out / "d.csv").read_bytes() == (tmp_path / "pack" / "2" / "dense.csv").read_bytes()
    share = pd.read_csv(out / "b.tsv", sep="\t")
    assert share["s"].tolist() == [json.loads((tmp_path / "pack" / "2" / "cost.json").read_text())["seconds"]]


def test_packs_split_a_runs_instances_and_share_their_seconds():
    from wsnas.plan.packs import pack_instances, pack_of, share_seconds

    assert [list(pack_instances(10, 4, p)) for p in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [list(pack_instances(3, 1, p)) for p in range(3)] == [[0], [1], [2]]
    assert [pack_of(i, 4) for i in (0, 3, 4, 9)] == [0, 0, 1, 2] and pack_of("7", 1) == 7
    # 1,000 images an epoch: 10 s alone, then 20 s in a pack of 4 (5 s each), then 8 s in a pack of 2
    history = [{"images_per_s": 100.0}, {"images_per_s": 50.0, "pack_size": 4}, {"images_per_s": 125.0, "pack_size": 2}]
    assert share_seconds(history, 1000) == pytest.approx(10 + 5 + 4)
