"""The GPU check (bench/gpu.sh) works before it ever meets a GPU: its dry run on the CPU, on a machine
without jsonschema (as the lent GPU machines are), writes every part."""

import json
import subprocess
import sys

import pytest
import yaml

from tests.helpers import ROOT
from wsnas import config

HIDE_JSONSCHEMA = "import sys, runpy; sys.modules['jsonschema'] = None; sys.argv = ['bench.gpu', *sys.argv[1:]]; runpy.run_module('bench.gpu', run_name='__main__')"


@pytest.mark.slow  # the whole GPU check in a subprocess; its parts have fast tests (stacked, compile, precision, bench)
def test_dry_run_without_jsonschema_writes_checks_speed_and_projection(tmp_path):
    out = subprocess.run([sys.executable, "-c", HIDE_JSONSCHEMA, str(tmp_path), "--dry-run"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads((tmp_path / "gpu-check.json").read_text())
    assert record["errors"] == {} and record["environment"]["missing"][0] == "jsonschema"
    checks = record["checks"]
    assert set(checks) == {"stacked", "compiled", "bf16 ranking", "remedy steps"}
    for part in ("stacked", "compiled", "bf16 ranking"):
        for name, verdict in checks[part].items():
            assert not isinstance(verdict, dict) or verdict["passed"], (part, name, verdict)
    assert set(checks["stacked"]) == {"fp64 weights after one epoch", "tf32 forward logits", "bf16 forward logits"}
    assert checks["bf16 ranking"]["largest accuracy difference"]["value"] < 0.03
    seconds = record["speed"]["cifar10_epoch_seconds"]
    assert len(seconds) == 4 and all(v > 0 for v in seconds.values())
    assert {r["target"] for r in record["projection"]} >= {"all", "all_tables", "ground_truth"}
    text = (tmp_path / "summary.md").read_text()
    for heading in ("## Correctness", "## Speed", "## Projected device-hours"):
        assert heading in text
    assert "[" in out.stdout and "projection: done" in out.stdout


def test_defaults_without_jsonschema_equal_the_validated_ones():
    for name in ("paper", "config", "test"):
        raw = yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text())
        assert config.fill_defaults(config._schema(), raw) == config.load(ROOT / "config" / f"{name}.yaml"), name
