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
    # no budget: a loaded machine may pass the GPU run's 300 s (test_parts_and_budget_choose_what_runs tests it)
    out = subprocess.run([sys.executable, "-c", HIDE_JSONSCHEMA, str(tmp_path), "--dry-run", "--budget", "1e9"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    record = json.loads((tmp_path / "gpu-check.json").read_text())
    assert record["errors"] == {} and record["environment"]["missing"][0] == "jsonschema"
    checks = record["checks"]
    graph_parts = {f"cuda graphs: {name}" for name in ("bitwise", "rates", "pipeline", "streams", "chunk", "kernels")}
    assert set(checks) == {"stacked", "compiled", "bf16 ranking", "remedy steps"} | graph_parts
    for part in ("stacked", "compiled", "bf16 ranking", *graph_parts):
        for name, verdict in checks[part].items():
            assert not isinstance(verdict, dict) or verdict["passed"], (part, name, verdict)
    assert set(checks["stacked"]) == {"fp64 weights after one epoch", "tf32 forward logits", "bf16 forward logits"}
    assert checks["bf16 ranking"]["largest accuracy difference"]["value"] < 0.03
    assert checks["cuda graphs: pipeline"]["standalone 243: graphs captured"] == 1
    assert set(record["part_seconds"]) == set(checks) | {"speed", "projection"} and record["skipped"] == []
    seconds = record["speed"]["cifar10_epoch_seconds"]
    assert len(seconds) == 4 and all(v > 0 for v in seconds.values())
    assert record["speed"]["achieved_bandwidth_gb_s"]["supernet training"] > 0
    assert 0 < checks["cuda graphs: kernels"]["kernels per step"]
    assert {r["target"] for r in record["projection"]} >= {"all", "all_tables", "ground_truth"}
    text = (tmp_path / "summary.md").read_text()
    for heading in ("## Correctness", "## Speed", "## Projected device-hours"):
        assert heading in text
    assert "[" in out.stdout and "projection: done" in out.stdout


def test_parts_and_budget_choose_what_runs(tmp_path):
    """``--parts`` runs the named parts alone; a part due after ``--budget`` seconds is skipped, listed in
    the summary with the command that runs it."""
    from bench import gpu

    record = gpu.main([str(tmp_path / "a"), "--dry-run", "--parts", "stacked,cuda graphs: bit"])
    assert set(record["checks"]) == {"stacked", "cuda graphs: bitwise"} and record["speed"] is None
    assert record["checks"]["cuda graphs: bitwise"]["standalone 243: largest weight difference"]["passed"]
    record = gpu.main([str(tmp_path / "b"), "--dry-run", "--parts", "stacked,compiled", "--budget", "0"])
    assert record["checks"] == {} and record["skipped"] == ["stacked", "compiled"]
    assert "--parts 'stacked,compiled'" in (tmp_path / "b" / "summary.md").read_text()


def test_defaults_without_jsonschema_equal_the_validated_ones():
    for name in ("paper", "config", "test"):
        raw = yaml.safe_load((ROOT / "config" / f"{name}.yaml").read_text())
        assert config.fill_defaults(config._schema(), raw) == config.load(ROOT / "config" / f"{name}.yaml"), name


def test_jobs_per_gpu_probe_times_every_process(tmp_path):
    """bench.gpu_share: N spawned single-child trainings, each timed after a barrier; a process that fails
    stops the probe instead of reporting a rate from the rest."""
    from bench import gpu_share

    rows = gpu_share.main(["--processes", "1", "2", "--steps", "1", "--device", "cpu", "--json", str(tmp_path / "s.json")])
    assert [r["processes"] for r in rows] == [1, 2]
    assert all(r["child_img_per_s"] > 0 and r["slowest_s"] > 0 for r in rows)
    assert json.loads((tmp_path / "s.json").read_text()) == rows
    with pytest.raises(SystemExit, match="2 of 2 processes failed"):
        gpu_share.aggregate_rate(2, "no-such-device", 1)


def test_targets_judge_the_issues_rates_with_the_chunk_on_streams():
    """On a GPU the check judges the issue's targets: the hours of ``all`` in bf16, stacked MFU, and the
    rates, ground-truth training at the better of ``auto``'s path and the chunk on 8 streams."""
    from bench import gpu

    speed = {"mfu_vs_measured_matmul": {"standalone: stacked K=16": 0.02}, "auto_choice": {"stacked_faster_than_one_at_a_time": False},
             "rates": {"standalone_train": 30e3, "supernet_train": 125e3, "eval_all64": 200e3}}
    chunk = {"8 children: img/s one after another, 8 streams (bf16)": [40e3, 115e3]}
    record = {"mode": "gpu", "speed": speed, "checks": {"cuda graphs: chunk": chunk},
              "projection": [{"target": "all", "hours": 300.0, "hours_bf16": 80.0}]}
    verdicts = {label.split(" ")[0] + " " + label.split(" ")[1]: v["passed"] for label, v in gpu._targets(record).items()}
    assert verdicts == {"all in": True, ">= 10%": False, "stacked training": False, "ground-truth training": True,
                        "supernet training": True, "all-64 evaluation": False}
    assert gpu._targets({**record, "mode": "dry-run"}) == {}
