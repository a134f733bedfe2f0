"""Faults through the pipeline (Snakemake on config/test.yaml): nothing finished is lost and the final
results are right."""

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.cifar_files import write_cifar10
from tests.helpers import TEST_CONFIG, assert_same_state, build_and_kill, command, config_file

pytestmark = pytest.mark.slow
# The supernet's training job alone (its 30 checkpoints are compared, not their evaluation) and a ground-truth job
TARGETS = ["results/supernet/seeds/0/manifest.json", "results/ground_truth/seed0/chunk0.csv"]


def test_killed_jobs_and_a_truncated_checkpoint_still_give_bit_identical_results(tmp_path):
    """SIGKILL a train_supernet and a train_ground_truth job mid-run, truncate the supernet's newest
    checkpoint, rerun: both resume, and the results equal an uninterrupted run's exactly (the supernet's
    every checkpoint, timings aside; the ground truth's accuracies)."""
    from wsnas.training.checkpoint import load_checkpoint

    config = config_file(tmp_path, train={"epochs": 30}, ground_truth={"epochs": 3, "chunks": 2})
    supernet = Path("results/checkpoints/supernet/seeds/0")
    ground_truth = Path("results/checkpoints/ground_truth/seed0")
    straight, work = build_and_kill(
        tmp_path, config, TARGETS,
        lambda w: list((w / supernet).glob("*/epoch_0004.pt")) and len(list((w / ground_truth).glob("*/*/"))) >= 3,
        ("train_supernet.py", "train_ground_truth.py"))
    supernet = work / supernet
    folder = next(supernet.iterdir())
    newest = max(folder.glob("epoch_*.pt"))
    assert newest.name != "epoch_0030.pt"
    newest.write_bytes(newest.read_bytes()[: newest.stat().st_size // 3])  # a truncated newest checkpoint
    data_mtime = (work / "results/data/digits.pt").stat().st_mtime_ns

    rerun = subprocess.run(command(work, config, *TARGETS), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert (work / "results/data/digits.pt").stat().st_mtime_ns == data_mtime  # finished job kept
    log = (work / "results/logs/train_supernet/seeds/0.log").read_text()
    relative = folder.relative_to(work)
    assert f"skipping checkpoint {relative / newest.name}" in log and "truncated or corrupt" in log
    assert f"resumed from {relative}/epoch_{int(newest.stem[6:]) - 1:04d}.pt" in log
    assert "resumed from" in (work / "results/logs/train_ground_truth/seed0/chunk0.log").read_text()
    epochs = [json.loads((run / TARGETS[0]).read_text())["files"] for run in (work, straight)]
    assert epochs[0] == epochs[1] and len(epochs[0]) == 30
    for name in epochs[0].values():
        assert_same_state(load_checkpoint(folder / name), load_checkpoint(straight / relative / name), name)
    gt = TARGETS[1]
    pd.testing.assert_frame_equal(pd.read_csv(work / gt), pd.read_csv(straight / gt), check_exact=True)


def test_a_killed_di_nas_search_job_resumes_bit_identically(tmp_path):
    """SIGKILL a DI-NAS train_search job (own inputs excluded: the per-child matrices too) mid-run: the rerun
    resumes from its checkpoints and its dense table and accuracies equal an uninterrupted run's exactly."""
    searches = {"di_nas": {"label": "DI-NAS", "instances": 2, "epochs": 12,
                           "method": {"name": "di_nas", "exclude_self": True}}}
    config = config_file(tmp_path, searches=searches, comparison={"baseline": "di_nas", "contrasts": []})
    targets = ["results/searches/di_nas/0/accuracy_running.csv", "results/searches/di_nas/0/accuracy_recalibrate.csv"]
    folder = Path("results/checkpoints/searches/di_nas/0")
    straight, work = build_and_kill(tmp_path, config, targets, lambda w: list((w / folder).glob("*/epoch_0004.pt")),
                                    ("train_search.py",))
    folder = work / folder
    assert not list(folder.glob("*/epoch_0012.pt"))
    rerun = subprocess.run(command(work, config, *targets), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resumed from" in (work / "results/logs/train_search/di_nas/0.log").read_text()
    for target in [*targets, "results/searches/di_nas/0/dense.csv"]:
        pd.testing.assert_frame_equal(pd.read_csv(work / target), pd.read_csv(straight / target), check_exact=True)


def test_bad_inputs_stop_with_one_line_and_keep_finished_results(first_tables, tmp_path):
    """On a copy of the session's first tables (tests/conftest.py), whose jobs finished."""
    work = tmp_path / "run"
    shutil.copytree(first_tables, work, symlinks=True)
    config = TEST_CONFIG  # the copy's own: a rewritten file orders the params' keys anew, and Snakemake reruns all
    finished = {p: p.stat().st_mtime_ns for p in (work / "results/supernet/seeds").rglob("accuracy.csv")}
    assert len(finished) == 2

    # a results file edited by hand into garbage
    garbage = work / "results/supernet/seeds/1/accuracy.csv"
    garbage.write_text("epoch,child,accuracy\n1,111,zz\n")
    out = subprocess.run(command(work, config, "results/metrics/seeds/stability_per_epoch.csv"), capture_output=True, text=True)
    assert out.returncode != 0
    assert f"wsnas: error: results file {garbage.relative_to(work)}: column accuracy is not numeric" in out.stdout + out.stderr
    for path, mtime in finished.items():
        assert path.exists() and (path == garbage or path.stat().st_mtime_ns == mtime)

    # a missing dataset folder, and a CIFAR-10 batch with a wrong checksum
    cifar = tmp_path / "cifar-10-batches-py"
    for name, expect in ((tmp_path / "nowhere", "does not exist"), (cifar, "fails its md5 check")):
        if name == cifar:
            write_cifar10(cifar)
        bad = config_file(tmp_path, data={"name": "cifar10", "root": str(name)})
        out = subprocess.run(command(work, bad, "results/data/cifar10.pt"), capture_output=True, text=True)
        assert out.returncode != 0 and "wsnas: error: CIFAR-10 " in out.stdout + out.stderr and expect in out.stdout + out.stderr
        assert str(name) in out.stdout + out.stderr
    for path in finished:
        assert path.exists()

    # a negative epoch count stops before any job
    bad = config_file(tmp_path, train={"epochs": -1})
    out = subprocess.run(command(work, bad, "-n", "all"), capture_output=True, text=True)
    assert out.returncode != 0 and "'train.epochs'" in out.stdout + out.stderr


def test_failing_checkpoint_writes_leave_no_half_file(first_tables, tmp_path):
    """A full disk while checkpointing (simulated with a file-size limit: writes past 64 KB fail with EFBIG;
    a checkpoint here is about 130 KB, the config schema Snakemake copies while validating 16 KB): the job
    stops with one line, no checkpoint file exists, nothing half-written is taken as valid, and a rerun
    with space trains correctly (as the session's uninterrupted first tables did, tests/conftest.py)."""
    import resource

    config = TEST_CONFIG
    work = tmp_path / "run"
    work.mkdir()
    target = "results/supernet/seeds/0/accuracy.csv"
    subprocess.run(command(work, config, "results/data/digits.pt"), check=True, capture_output=True)

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    out = subprocess.run(command(work, config, target), capture_output=True, text=True, preexec_fn=small_disk)
    assert out.returncode != 0
    log = (work / "results/logs/train_supernet/seeds/0.log").read_text()
    assert "wsnas: error: could not write" in log and "File too large" in log, log[-2000:]
    folder = work / "results/checkpoints/supernet/seeds/0"
    assert [p for p in folder.rglob("*") if p.is_file()] == []  # neither a checkpoint nor a temp file
    rerun = subprocess.run(command(work, config, target), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    pd.testing.assert_frame_equal(pd.read_csv(work / target), pd.read_csv(first_tables / target), check_exact=True)
