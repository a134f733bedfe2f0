"""Several networks trained by one process with their steps interleaved (``wsnas.training.streams``):
on the CPU the same interleaving runs without streams, and every network ends bitwise where it ends
trained alone, its checkpoints and resumption included; the ground truth chunks its children by
``train.streams`` on a CUDA device only."""

from pathlib import Path

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
    interleaved, end with the dense tables, epoch records and checkpoints (md5) of their own jobs, and each
    instance's benchmark is the pack's seconds over its size."""
    import json

    import pandas as pd

    from wsnas.jobs import training
    from wsnas.training.checkpoint import load_checkpoint

    configs = [tiny_config(f"train.init_seed={i}", f"train.data_seed={i}", f"train.order_seed={i}",
                           "train.dense_eval_steps=2", "train.child_order=uniform", "method.name=pada") for i in (0, 1, 2)]
    for i, cfg in enumerate(configs):
        folder = tmp_path / "alone" / str(i)
        training.train_search(cfg, None, folder / "ckpt", folder / "manifest.json", folder / "dense.csv",
                              folder / "epochs.csv", run="pada")
    folders = [tmp_path / "packed" / str(i) / "ckpt" for i in range(3)]
    training.train_search_pack(configs, None, folders, tmp_path / "pack", [0, 1, 2], run="pada")
    for i in range(3):
        alone, packed = tmp_path / "alone" / str(i), tmp_path / "pack" / str(i)
        assert (alone / "dense.csv").read_bytes() == (packed / "dense.csv").read_bytes(), i
        records = [pd.read_csv(f / "epochs.csv").drop(columns="images_per_s") for f in (alone, packed)]
        assert records[0].equals(records[1]) and "pada_p_max_pool_3x3" in records[0]
        a, p = (json.loads((f / "manifest.json").read_text()) for f in (alone, packed))
        assert a["epochs"] == p["epochs"] == [1, 2] and p["checkpoint_dir"] == str(folders[i])
        # the process-wide generator's state differs (the loops share it) and nothing in a step draws from it
        assert_same_state(*(load_checkpoint(Path(m["checkpoint_dir"]) / m["files"]["2"]) for m in (a, p)),
                          skip=("history", "torch_rng"))
    # the instances trained one job each, packed afterwards (train.streams changed): each resumes at its last
    # epoch, trains nothing and writes the same files
    trained = [tmp_path / "alone" / str(i) / "ckpt" for i in range(3)]
    stamps = [sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir()) for folder in trained]
    training.train_search_pack(configs, None, trained, tmp_path / "repack", [0, 1, 2], run="pada")
    assert [sorted((f.name, f.stat().st_mtime_ns) for f in folder.iterdir()) for folder in trained] == stamps
    for i in range(3):
        for name in ("dense.csv", "manifest.json"):
            assert (tmp_path / "repack" / str(i) / name).read_bytes() == (tmp_path / "alone" / str(i) / name).read_bytes()
    benchmark = tmp_path / "pack.tsv"
    benchmark.write_text("s\th:m:s\tmax_rss\n30.0\t0:00:30\t100.0\n")
    out = tmp_path / "out"
    training.unpack_search_instance(tmp_path / "pack", "2", benchmark, 3, out / "m.json", out / "d.csv", out / "e.csv",
                                    out / "b.tsv")
    assert (out / "d.csv").read_bytes() == (tmp_path / "alone" / "2" / "dense.csv").read_bytes()
    share = pd.read_csv(out / "b.tsv", sep="\t")
    assert share["s"].tolist() == [10.0] and share["pack_size"].tolist() == [3] and share["max_rss"].tolist() == [100.0]


def test_packs_split_a_runs_instances_and_refuse_group_sharing():
    import pytest

    from wsnas.errors import WsnasError
    from wsnas.plan.packs import check_packs, pack_instances

    assert [list(pack_instances(10, 4, p)) for p in range(3)] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [list(pack_instances(3, 1, p)) for p in range(3)] == [[0], [1], [2]]
    check_packs(tiny_config("train.streams=2"))
    check_packs(tiny_config("sharing.mode=group"))
    with pytest.raises(WsnasError, match=r"^config key train.streams: .*sharing.mode=group") as info:
        check_packs(tiny_config("train.streams=2", "sharing.mode=group"))
    assert "\n" not in str(info.value)
