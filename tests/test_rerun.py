"""Changing a setting reruns exactly the jobs whose results it changes, through Snakemake
(``wsnas.plan.settings``: one dict per job is both the rule's params and its checkpoint folder's hash)."""

import subprocess

import pandas as pd
import pytest

from tests.helpers import command, config_file, planned_jobs

pytestmark = pytest.mark.slow
TARGETS = ["results/supernet/seeds/0/accuracy.csv", "results/ground_truth/seed0/chunk0.csv",
           "results/studies/fig9/0/dense.csv", "results/finetune/epoch1.csv"]
SMALL = {"ground_truth": {"seeds": 2, "epochs": 2, "chunks": 4}}


def run(work, config, *args):
    out = subprocess.run(command(work, config, *TARGETS) + list(args), capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout + out.stderr


def results(work):
    return {t: pd.read_csv(work / t) for t in TARGETS}


def test_changed_settings_rerun_exactly_the_jobs_they_change(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    base = config_file(tmp_path, "base.yaml", **SMALL)
    run(work, base)
    first = results(work)

    speed = config_file(tmp_path, "speed.yaml", **SMALL, train={"threads": 1, "channels_last": "off", "compile": "off", "stacked": "off"},
                        evaluate={"batch_size": 250}, data={"root": "elsewhere/cifar-10-batches-py"})
    assert "Nothing to be done" in run(work, speed, "-n")

    batch = config_file(tmp_path, "batch.yaml", **SMALL, evaluate={"bn_mode": "batch"})
    dry = run(work, batch, "-n")
    assert planned_jobs(dry) == {"evaluate_subnets": 1, "train_ground_truth": 1, "train_study": 1, "finetune": 1}, dry
    run(work, batch)
    changed = results(work)
    gt = "results/ground_truth/seed0/chunk0.csv"
    assert not changed[gt]["accuracy"].equals(first[gt]["accuracy"])  # computed anew, not replayed
    assert not changed[TARGETS[0]]["accuracy"].equals(first[TARGETS[0]]["accuracy"])  # re-evaluated
    folders = sorted(p.name for p in (work / "results/checkpoints/ground_truth/seed0").iterdir())
    assert len(folders) == 2  # the running-statistics checkpoints are kept beside the new ones

    checkpoints = {p: p.stat().st_mtime_ns for p in (work / "results/checkpoints").rglob("*.pt")}
    dry = run(work, base, "-n")  # back: the same jobs rerun ...
    assert planned_jobs(dry) == {"evaluate_subnets": 1, "train_ground_truth": 1, "train_study": 1, "finetune": 1}, dry
    run(work, base)
    # ... resume from their earlier checkpoints (no checkpoint written: nothing trained again) and give the first numbers
    assert {p: p.stat().st_mtime_ns for p in (work / "results/checkpoints").rglob("*.pt")} == checkpoints
    for target, frame in results(work).items():
        pd.testing.assert_frame_equal(frame, first[target], check_exact=True, obj=target)
