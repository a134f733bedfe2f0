"""The method seam (wsnas.methods.protocol): a second method written only against the protocol trains
through the one loop, with a validation split, a batch sampler and kill-and-resume; settings and
checkpoints keep methods apart; what a method cannot do is refused in one line."""

import subprocess

import pandas as pd
import pytest
import torch

from tests.helpers import assert_same_state, build_and_kill, command, config_file, tiny_config
from wsnas.core.space import CHILD_IDS
from wsnas.data.device_data import Weighted
from wsnas.errors import WsnasError
from wsnas.methods.single_path.trainer import SinglePath
from wsnas.plan.runs import ground_truth_config
from wsnas.plan.settings import training_settings
from wsnas.training import checkpoint as ckpt
from wsnas.training.loop import Loop
from wsnas.methods.protocol import method_class
from wsnas.training.stacked import run_loops

TOY = "tests.toy_method"  # a method declared outside wsnas (tests/toy_method/__init__.py)


def toy_config(*overrides):
    return tiny_config(f"method.name={TOY}", "method.valid_fraction=0.5", "method.reweight=true", *overrides)


def test_toy_method_trains_each_child_twice_in_a_row(tmp_path, tiny_data):
    trained = []
    loop = Loop(toy_config("train.epochs=1"), tiny_data, tmp_path)
    loop.train_epoch(on_step=lambda lp: trained.append(lp._last_child))
    assert trained[:5] == [0, 0, 1, 1, 2]


def test_validation_split_is_carved_from_the_training_set(tmp_path, tiny_data):
    loop = Loop(toy_config("train.epochs=1"), tiny_data, tmp_path)
    train, valid = set(loop.data.train_index.tolist()), set(loop.data.valid_index.tolist())
    assert not train & valid and len(train | valid) == tiny_data.n_train
    assert len(valid) == round(0.5 * tiny_data.n_train)
    seen = []
    loop.train_epoch(on_step=lambda lp: seen.append(lp.valid_stream is not None))
    assert all(seen) and loop.history[-1]["valid_loss_sum"] > 0  # the second pass ran every step


def test_batch_sampler_draws_by_weight_with_replacement(tiny_data):
    weights = torch.zeros(len(tiny_data.train_y))
    weights[:3] = 1.0
    positions = Weighted(weights).positions(tiny_data.train_index, tiny_data.make_generator(0))
    assert len(positions) == tiny_data.n_train and set(positions.tolist()) <= {0, 1, 2}


def test_reweighting_method_revisits_hard_samples(tmp_path, tiny_data):
    visited = []
    loop = Loop(toy_config("train.epochs=2"), tiny_data, tmp_path)
    original = loop.data.train_batches

    def watched(*args, **kwargs):
        for batch in original(*args, **kwargs):
            visited.append(batch.index)
            yield batch

    loop.data.train_batches = watched
    loop.train_epoch()
    first = torch.cat(visited)
    visited.clear()
    loop.train_epoch()
    second = torch.cat(visited)
    assert len(set(first.tolist())) == len(first)  # epoch 1: every training sample once
    assert len(set(second.tolist())) < len(second)  # epoch 2: drawn with replacement by loss
    assert set(second.tolist()) <= set(loop.data.train_index.tolist())  # never from the validation split


@pytest.mark.parametrize("fraction", [0.5, 0.6])  # 0.6: epochs end mid-way through a validation pass
def test_toy_method_resumes_bit_identically(tmp_path, tiny_data, fraction):
    cfg = toy_config("train.epochs=3", "train.dense_eval_steps=3", f"method.valid_fraction={fraction}")
    straight = Loop(cfg, tiny_data, tmp_path / "straight").run()
    part = Loop(cfg, tiny_data, tmp_path / "part")
    part.train_epoch()
    part.after_epoch()
    resumed = Loop(cfg, tiny_data, tmp_path / "part").run()
    assert resumed.epoch == 3 and len(resumed.history) == 3
    assert_same_state(straight.state_dict(), resumed.state_dict())


def test_method_settings_keep_checkpoints_apart(tmp_path, tiny_data):
    baseline = tiny_config()
    assert "method" not in training_settings(baseline)  # the baseline's fingerprints predate the seam
    assert training_settings(toy_config())["method"]["name"] == TOY
    assert training_settings(toy_config()) != training_settings(toy_config("method.reweight=false"))
    ground_truth = [training_settings(ground_truth_config(c, 0), evaluates=True) for c in (baseline, toy_config())]
    assert ground_truth[0] == ground_truth[1]  # every method is ranked against the same ground truth
    Loop(tiny_config("train.epochs=1"), tiny_data, tmp_path).run()
    with pytest.raises(WsnasError, match="written under other settings"):
        Loop(toy_config("train.epochs=1"), tiny_data, tmp_path).run()


def test_unknown_method_and_unstackable_method_are_refused_in_one_line(tmp_path, tiny_data):
    with pytest.raises(WsnasError, match="config key method.name: 'nope' is no method"):
        method_class("nope")
    with pytest.raises(WsnasError, match="config key method.lr: method 'single_path' has no such option"):
        Loop(tiny_config("method.lr=0.1"), tiny_data, tmp_path / "x")
    loops = [Loop(toy_config("train.epochs=1"), tiny_data, tmp_path / str(c), children=[c]) for c in (0, 1)]
    with pytest.raises(WsnasError, match="does not declare stacked execution; set train.stacked: off"):
        run_loops(loops, stacked=True)


def test_single_path_evaluation_goes_through_rank(tmp_path, tiny_data):
    from wsnas.jobs.training import evaluate_checkpoints

    loop = Loop(toy_config("train.epochs=1"), tiny_data, tmp_path).run()
    table = evaluate_checkpoints(toy_config("train.epochs=1"), None, {1: ckpt.epoch_path(tmp_path, 1)})
    acc, _ = loop.method.rank(tiny_data, loop.cfg["evaluate"])
    assert table["child"].tolist() == list(CHILD_IDS)
    assert table["accuracy"].tolist() == pytest.approx(acc.tolist(), abs=1e-6)
    assert loop.method.pick(acc) == int(acc.argmax())  # the default pick: the best-scored child


@pytest.mark.slow
def test_toy_method_through_the_pipeline_survives_a_kill(tmp_path):
    """The toy method as config key method.name in Snakemake: train_supernet is SIGKILLed mid-run and
    rerun; its accuracy table equals an uninterrupted run's exactly."""
    target = "results/supernet/seeds/0/accuracy.csv"
    config = config_file(tmp_path, train={"epochs": 16}, method={"name": TOY, "valid_fraction": 0.5, "reweight": True})
    supernet = "results/checkpoints/supernet/seeds/0"
    straight, work = build_and_kill(tmp_path, config, [target], lambda w: list((w / supernet).glob("*/epoch_0004.pt")),
                                    ("train_supernet.py",))
    rerun = subprocess.run(command(work, config, target), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resumed from" in (work / "results/logs/train_supernet/seeds/0.log").read_text()
    pd.testing.assert_frame_equal(pd.read_csv(work / target), pd.read_csv(straight / target), check_exact=True)


class FrozenStem(SinglePath):
    """A single-path variant that records the stem's inputs with a forward hook and transforms gradients
    (drops the stem's) before the optimiser steps: the shape of DI-NAS's projection (Niu et al. 2021)."""

    def __init__(self, cfg, data, children):
        super().__init__(cfg, data, children)
        self.recorded = []
        stem = self.model.slots["stem"][0]
        stem.register_forward_hook(lambda module, inputs, output: self.recorded.append(inputs[0].shape))

    def after_backward(self, child):
        for p in self.model.slots["stem"][0].parameters():
            p.grad = None


def test_layer_inputs_and_gradient_transforms_reach_the_step(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=1")
    method = FrozenStem(cfg, tiny_data, range(64))
    before = {k: v.detach().clone() for k, v in method.model.slots["stem"][0].named_parameters()}
    loop = Loop(cfg, tiny_data, tmp_path, method=method).run()
    assert len(method.recorded) == loop.step and method.recorded[0][0] == cfg["train"]["batch_size"]
    after = dict(method.model.slots["stem"][0].named_parameters())
    assert before and all(torch.equal(v, after[k]) for k, v in before.items())  # the stem never moved
    moved = method.model.slots["head"][0].linear.weight
    assert not torch.equal(moved, SinglePath(cfg, tiny_data, range(64)).model.slots["head"][0].linear.weight)


class TwoPasses(SinglePath):
    """A single-path variant whose own step runs two forward/backward passes (it inherits ``stackable``)."""

    def step(self, batch, valid=None):
        self.passes = getattr(self, "passes", 0)
        for _ in range(2):
            result = super().step(batch, valid)
            self.passes += 1
        return result


def test_stacking_refuses_hooks_and_own_steps_but_not_the_baseline(tmp_path, tiny_data):
    cfg = tiny_config("train.epochs=1")

    def loops(kind):
        return [Loop(cfg, tiny_data, tmp_path / kind.__name__ / str(c), children=[c], method=kind(cfg, tiny_data, [c])) for c in (0, 1)]

    for kind, why in ((FrozenStem, "registers forward hooks"), (TwoPasses, "does not declare stacked execution")):
        with pytest.raises(WsnasError, match=f"config key train.stacked: method {kind.__name__} {why}"):
            run_loops(loops(kind), stacked=True)
    two = run_loops(loops(TwoPasses), stacked=False)
    assert two[0].method.passes == 2 * two[0].step  # two passes per step, through the plain loop
    assert run_loops(loops(SinglePath), stacked=True)[0].epoch == 1


def test_checkpoints_of_another_method_are_refused_in_one_line(tmp_path, tiny_data):
    from wsnas.jobs.training import evaluate_checkpoints
    from wsnas.training.finetune import finetune_children

    Loop(toy_config("train.epochs=1"), tiny_data, tmp_path).run()
    path = ckpt.epoch_path(tmp_path, 1)
    with pytest.raises(WsnasError, match="was written by method 'tests.toy_method', not by config key"):
        evaluate_checkpoints(tiny_config("train.epochs=1"), None, {1: path})
    with pytest.raises(WsnasError, match="fine-tuning \\(Figure 4\\) starts from a single-path supernet"):
        finetune_children(toy_config("train.epochs=1"), tiny_data, ckpt.load_checkpoint(path), 1, source=path)


def test_a_bad_method_name_stops_the_dag_before_any_job(tmp_path):
    config = config_file(tmp_path, method={"name": "nowhere.module:Method"})
    out = subprocess.run([*command(tmp_path, config, "all"), "-n"], capture_output=True, text=True)
    assert out.returncode != 0
    assert "config key method.name: 'nowhere.module:Method' is no method" in out.stdout + out.stderr


def test_a_misspelt_option_of_any_search_run_stops_the_dag_before_any_job(tmp_path):
    """The options live in the methods' torch-free declarations, so the Snakefile checks every run's before it
    plans a job: a misspelt key, a value outside a choice or a number out of range, one line each."""
    for method, message in (({"name": "di_nas", "lambd": 3}, "config key searches.di_nas.method.lambd: method 'di_nas' has no such option"),
                            ({"name": "di_nas", "control": "yes"}, "config key searches.di_nas.method.control: 'yes'; use one of none, isotropic"),
                            ({"name": "darts", "eta": -1}, "config key searches.di_nas.method.eta: -1; use a number >= 0")):
        config = config_file(tmp_path, searches={"di_nas": {"label": "DI-NAS", "instances": 2, "method": method}})
        out = subprocess.run([*command(tmp_path, config, "all"), "-n"], capture_output=True, text=True)
        assert out.returncode != 0 and message in out.stdout + out.stderr, (out.stdout + out.stderr)[-2000:]
        assert "Job stats" not in out.stdout  # nothing planned


def test_a_declared_method_and_a_bare_class_both_build():
    declared, bare = method_class(TOY), method_class("tests.toy_method.trainer:TwiceInARow")
    assert declared is bare and declared.declaration().options == {"valid_fraction": 0.0, "reweight": False}
    with pytest.raises(WsnasError, match="config key method.reweight: 'yes'; use true or false"):
        declared.options_of({"method": {"name": TOY, "reweight": "yes"}})
