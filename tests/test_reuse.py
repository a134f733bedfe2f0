"""Train nothing twice (wsnas.plan.reuse): a study network whose training a supernet or the ground truth
already does starts from that job's checkpoint, exactly when the settings match, and its results equal
training it from scratch."""

import re

import pandas as pd
import pytest

from tests.helpers import ROOT, TEST_CONFIG, base_config, config_file, snakemake
from wsnas import config
from wsnas.plan import cost
from wsnas.plan.reuse import all_reuse, first_dense_epoch, study_reuse
from wsnas.plan.studies import study_config


def _study_inputs(out: str) -> dict[str, list[str]]:
    """Dry-run output -> {study output: its inputs other than the data}."""
    found = {}
    for block in out.split("\nrule train_study:")[1:]:
        inputs = re.search(r"input: (.*)", block).group(1).split(", ")
        found[re.search(r"output: (\S+)", block).group(1)] = [i for i in inputs if not i.startswith("results/data/")]
    return found


TARGETS = ("results/studies/group-m64/0/dense.csv", "results/studies/fig5a/0/dense.csv",
           "results/studies/fig7/0/dense.csv", "results/studies/group-m1/0/dense.csv")


def test_the_study_jobs_wait_for_the_jobs_whose_training_they_share(tmp_path):
    """test.yaml: group m = 64 has the ground truth's settings (2 epochs, seed = instance), the sequential
    dense run those of the "Different seeds" supernet; the 4-epoch run and the 2-epoch m = 1 run have no twin."""
    assert _study_inputs(snakemake(tmp_path, "-n", *TARGETS).stdout) == {
        "results/studies/group-m64/0/dense.csv": ["results/ground_truth/seed0/chunk0.csv", "results/ground_truth/seed0/chunk1.csv"],
        "results/studies/fig5a/0/dense.csv": ["results/supernet/seeds/0/manifest.json"],
        "results/studies/fig7/0/dense.csv": [],
        "results/studies/group-m1/0/dense.csv": [],
    }


GT_INPUTS = ["results/ground_truth/seed0/chunk0.csv", "results/ground_truth/seed0/chunk1.csv"]
SEEDS_INPUT = ["results/supernet/seeds/0/manifest.json"]


@pytest.mark.parametrize("section, key, value, m64, fig5a", [
    ("ground_truth", "epochs", 3, [], SEEDS_INPUT),  # the ground truth alone changes: m = 64 trains itself
    ("model", "bn_momentum", 0.5, GT_INPUTS, SEEDS_INPUT),  # a setting both sides read: still shared
    ("experiments", "seeds", {"label": "Different seeds", "instances": 2, "vary": "init_seed", "child_order": "fixed"},
     GT_INPUTS, []),  # the supernet's child order changes: the sequential dense run trains itself
])
def test_a_changed_setting_splits_the_shared_training(tmp_path, section, key, value, m64, fig5a):
    changed = config_file(tmp_path, **{section: {**base_config()[section], key: value}})
    inputs = _study_inputs(snakemake(tmp_path, "-n", *TARGETS[:2], config=changed).stdout)
    assert inputs == {TARGETS[0]: m64, TARGETS[1]: fig5a}


def test_reuse_plan_of_the_configurations():
    test = config.load(TEST_CONFIG)
    reuse = all_reuse(test)
    assert len(reuse[("group-m64", 1)]) == 64 and {r.source.output for r in reuse[("group-m64", 1)]} == {
        "results/ground_truth/seed1/chunk0.csv", "results/ground_truth/seed1/chunk1.csv"}
    assert {key for key, networks in reuse.items() if networks} == {("group-m64", 0), ("group-m64", 1), ("fig5a", 0), ("fig5b", 0)}
    # The dense steps start in the last epoch: the study trains one epoch of its own.
    assert {r.start_epoch for r in reuse[("group-m64", 0)]} == {first_dense_epoch(study_config(test, "group-m64", 0))} == {1}
    # More dense steps than an epoch holds: the ground truth no longer keeps that checkpoint.
    long = config.load(TEST_CONFIG, ["studies.dense_steps=40", "studies.window=40"])
    assert study_reuse(long, "group-m64", 0) == []
    # The paper: m = 64 is the ground truth and m = 1 the "Different seeds" supernets, every instance.
    paper = config.load(ROOT / "config" / "paper.yaml")
    reuse = all_reuse(paper)
    assert all(len(reuse[("group-m64", i)]) == 64 and len(reuse[("group-m1", i)]) == 1 for i in range(10))


def test_cost_counts_only_the_epochs_a_study_trains_itself():
    test = config.load(TEST_CONFIG)
    m64 = cost.job_work(test, ("train_study", "group-m64", "0"))
    n_train = cost.split_sizes(test["data"])[0]
    assert m64.standalone == 64 * 1 * n_train  # 2 epochs, the first one the ground truth's
    scratch = cost.job_work(config.load(TEST_CONFIG, ["ground_truth.epochs=3"]), ("train_study", "group-m64", "0"))
    assert scratch.standalone == 64 * 2 * n_train


@pytest.mark.slow  # the whole-DAG run (shared with tests/test_pipeline.py), then the m = 64 and fig5a runs from scratch
def test_a_study_started_from_shared_checkpoints_equals_training_it_from_scratch(demo_run, tmp_path):
    """The whole-DAG run's m = 64 and fig5a study jobs started from the ground truth's and the supernet's
    checkpoints; trained here from scratch, they give the same tables."""
    from wsnas.jobs import training

    work = demo_run
    log = (work / "results/logs/train_study/group-m64/0.log").read_text()
    assert log.count("epochs 1-1 trained by another job") == 64, log[-2000:]
    assert "epochs 1-2 trained by another job" in (work / "results/logs/train_study/fig5a/0.log").read_text()
    cfg = config.load(TEST_CONFIG)
    for run in ("group-m64", "fig5a"):
        scratch = tmp_path / f"{run}.csv"
        training.train_study(study_config(cfg, run, 0), work / "results/data/digits.pt", tmp_path / run, scratch, threads=1)
        shared = pd.read_csv(work / f"results/studies/{run}/0/dense.csv")
        pd.testing.assert_frame_equal(shared, pd.read_csv(scratch), check_exact=True)
        assert shared.drop(columns=["step", "trained"]).notna().all().all()


def test_a_loop_started_from_another_jobs_checkpoint_keeps_only_its_own_dense_rows(tmp_path):
    """Loop.adopt: a source that dense-evaluated a longer window of its own (rows already in the checkpoint
    the study starts from) leaves none of them in the study's table, no checkpoint inside the study's own
    window is taken, and the table equals training from scratch."""
    import torch

    from tests.helpers import tiny_config
    from wsnas.data.datasets import prepare
    from wsnas.data.device_data import DeviceData
    from wsnas.training import checkpoint as ckpt
    from wsnas.training.loop import Loop

    study = tiny_config("train.epochs=2", "train.dense_eval_steps=2", "train.batch_size=128")
    data = DeviceData(prepare(study["data"]), study["data"], torch.device("cpu"))
    spe = data.steps_per_epoch(128)
    source = Loop(config.merged(study, train={"dense_eval_steps": spe + 3}), data, tmp_path / "source").run()
    assert len(ckpt.load_checkpoint(ckpt.epoch_path(tmp_path / "source", 1))["dense_steps"]) == 3  # rows of epoch 1
    # asked for epoch 2 (inside the study's dense window), the loop starts from epoch 1 all the same
    started = Loop(study, data, tmp_path / "study", start_from=(tmp_path / "source", source.fingerprint, 2)).run()
    scratch = Loop(study, data, tmp_path / "scratch").run()
    assert started.dense_steps == scratch.dense_steps == [2 * spe - 1, 2 * spe]
    pd.testing.assert_frame_equal(started.dense_table(), scratch.dense_table(), check_exact=True)
