import pandas as pd
import pytest

from tests.helpers import sets, wsnas


@pytest.mark.parametrize("command", ["prepare-data", "train-supernet", "train-standalone", "evaluate", "gt-tau", "download-cifar10"])
def test_every_command_has_help(command):
    out = wsnas(command, "--help")
    assert out.returncode == 0 and "usage:" in out.stdout


@pytest.mark.slow  # four subprocesses that train and evaluate; the same job functions run in process elsewhere
def test_train_evaluate_and_gt_tau_by_hand(tmp_path):
    data = tmp_path / "digits.pt"
    assert wsnas("prepare-data", *sets(), "--out", str(data)).returncode == 0
    run = wsnas("train-supernet", *sets("train.epochs=2"), "--data", str(data), "--checkpoints", str(tmp_path / "ck"),
                "--manifest", str(tmp_path / "manifest.json"))
    assert run.returncode == 0, run.stderr
    assert "epoch 2/2" in run.stderr and "img/s" in run.stderr
    out = wsnas("evaluate", *sets(), "--data", str(data), "--checkpoint", str(tmp_path / "ck" / "epoch_0002.pt"),
                "--out", str(tmp_path / "acc.csv"))
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "acc.csv", dtype={"child": str})
    assert len(table) == 64 and table["accuracy"].between(0, 1).all()
    gt = table.rename(columns={"accuracy": "mean"})[["child", "mean"]]  # a ground truth equal to this ranking
    gt.to_csv(tmp_path / "gt.csv", index=False)
    out = wsnas("gt-tau", "--accuracies", str(tmp_path / "acc.csv"), "--ground-truth", str(tmp_path / "gt.csv"))
    assert out.returncode == 0 and out.stdout.strip() == "GT-Tau 1.0000  T1R 1  T3R 1", out.stdout + out.stderr
    reversed_gt = gt.assign(mean=-gt["mean"])
    reversed_gt.to_csv(tmp_path / "gt.csv", index=False)
    out = wsnas("gt-tau", "--accuracies", str(tmp_path / "acc.csv"), "--ground-truth", str(tmp_path / "gt.csv"))
    assert out.stdout.startswith("GT-Tau -1.0000")
    (tmp_path / "gt.csv").write_text("child,mean\n111,0.5\n999,zz\n")
    out = wsnas("gt-tau", "--accuracies", str(tmp_path / "acc.csv"), "--ground-truth", str(tmp_path / "gt.csv"))
    assert out.returncode == 2 and "gt.csv" in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, needle",
    [
        (["train-supernet", "--set", "train.epocs=3", "--checkpoints", "x"], "'train.epocs'"),
        (["train-supernet", "--set", "train.epochs=-2", "--checkpoints", "x"], "'train.epochs'"),
        (["train-supernet", "--set", "train.children=['111','519']", "--checkpoints", "x"], "not a child id"),
        (["prepare-data", "--set", "data.name=cifar10", "--set", "data.root=/nonexistent/cifar", "--out", "x.pt"], "/nonexistent/cifar"),
        (["evaluate", "--checkpoint", "/nonexistent/epoch_0001.pt"], "/nonexistent/epoch_0001.pt"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, args, needle):
    out = wsnas(*args, cwd=tmp_path)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("wsnas: error:") and needle in lines[0], out.stderr
