from pathlib import Path

import pytest
import yaml

from wsnas import config
from wsnas.errors import WsnasError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_the_paper_settings():
    cfg = config.load()
    t = cfg["train"]
    assert (t["batch_size"], t["momentum"], t["weight_decay"], t["lr"], t["lr_min"], t["epochs"]) == (
        256, 0.9, 1e-3, 0.025, 0.001, 200)
    assert t["inactive_grads"] == "zero"
    assert cfg["model"] == {"stem_channels": 48, "stem_convs": 2, "cell_channels": 16, "num_cells": 4, "bn_momentum": 0.4}
    assert cfg["evaluate"]["bn_mode"] == "running"


@pytest.mark.parametrize(
    "override, key",
    [("train.epocs=3", "train.epocs"), ("train.epochs=-1", "train.epochs"), ("sharing.mode=some", "sharing.mode"),
     ("train.children=['125']", "train.children.0"), ("nonsense.x=1", "nonsense")],
)
def test_bad_key_or_value_is_one_line_naming_the_key(override, key):
    with pytest.raises(WsnasError) as info:
        config.load(None, [override])
    msg = str(info.value)
    assert f"'{key}'" in msg and "\n" not in msg


def test_config_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train: {epochs: [\n")
    with pytest.raises(WsnasError, match="bad.yaml"):
        config.load(bad)
    with pytest.raises(WsnasError, match="not found"):
        config.load(tmp_path / "missing.yaml")
    good = tmp_path / "good.yaml"
    good.write_text("train: {epochs: 7}\n")
    assert config.load(good, ["train.lr=0.1"])["train"]["epochs"] == 7
    assert config.load(good, ["train.lr=0.1"])["train"]["lr"] == 0.1


def test_the_slurm_profile_gives_every_training_rule_a_gpu_and_threads():
    """Every rule that runs in the training environment (rules/*.smk), but the data preparation the cost
    model calls cheap, asks the SLURM profile for one GPU, a runtime that grows with each retry, and its
    threads: a new training rule cannot be forgotten."""
    import re

    from tests.helpers import ROOT
    from wsnas.plan.cost import CHEAP

    rules = set()
    for smk in (ROOT / "rules").glob("*.smk"):
        for name, body in re.findall(r"^[ \t]*rule (\w+):\n(.*?)(?=^[ \t]*rule |^\S|\Z)", smk.read_text(), re.S | re.M):
            if "envs/train.yaml" in body and name not in CHEAP:
                rules.add(name)
    profile = yaml.safe_load((ROOT / "slurm/config.v9+.yaml").read_text())
    assert {"train_search", "train_search_pack", "evaluate_search", "train_supernet", "train_supernet_pack"} <= rules
    for rule in rules:
        assert profile["set-resources"][rule]["gpu"] == 1 and "attempt" in str(profile["set-resources"][rule]["runtime"]), rule
        assert profile["set-threads"][rule] >= 1, rule


def test_the_study_is_the_demo_regime_with_enough_instances_for_a_verdict():
    """config/study.yaml (issue 29): the demo's settings everywhere but the instances and the comparison, so
    a demo run's jobs are reused; every search run and contrast of the demo, defined alike, plus arms of its
    own (issue 30: the eta study, DI-NAS at momentum 0); at least 10 instances per experiment and search run; and with the number
    of comparisons its Table 5 plans, Holm's first step can be passed (smallest exact sign-flip p, 2 / 2^n,
    below alpha / m), which the demo's 2-3 instances cannot."""
    from wsnas.plan.searches import ranking_functions
    from wsnas.reporting.paired import planned

    def holm_reachable(cfg):
        runs = cfg["searches"]
        rankings = {run: [*cfg["comparison"]["bn_modes"], *ranking_functions(r["method"])] for run, r in runs.items()}
        smallest_p = 2 / 2 ** min(r["instances"] for r in runs.values())
        return smallest_p < cfg["comparison"]["alpha"] / len(planned(cfg, rankings))

    demo, study = config.load(ROOT / "config" / "config.yaml"), config.load(ROOT / "config" / "study.yaml")
    for section in ("data", "model", "train", "evaluate", "ground_truth", "studies", "analysis"):
        assert study[section] == demo[section], section
    for name, run in {**study["experiments"], **study["searches"]}.items():
        assert run["instances"] >= 10, name
    for name, run in demo["searches"].items():
        assert {**study["searches"][name], "instances": 0} == {**run, "instances": 0}, name
    assert all(contrast in study["comparison"]["contrasts"] for contrast in demo["comparison"]["contrasts"])
    assert holm_reachable(study) and not holm_reachable(demo)
