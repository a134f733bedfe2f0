"""The speed benchmark runs end to end (at a smoke size) and reports consistent numbers."""

import json

from bench.speed import main


def test_benchmark_smoke_run_writes_consistent_json(tmp_path, capsys):
    out = tmp_path / "speed.json"
    result = main(["--size", "smoke", "--device", "cpu", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert result["ceiling_conv_fast_gflops"] > 0 and result["ceiling_matmul_fp32_gflops"] > 0
    low, high = result["child_forward_mflops_min_max"]
    assert 0 < low < result["child_forward_mflops_mean"] < high  # children differ in cost ('111' < '333')
    cases = {c["case"].split(",")[0].split(":")[0]: c for c in result["cases"]}
    assert set(cases) == {"standalone", "supernet training", "all-64 evaluation (8 images)"}
    for case in result["cases"]:
        assert case["naive"] > 0 and case["fast"] > 0
        assert abs(case["ratio"] - case["fast"] / case["naive"]) < 1e-9
    printed = capsys.readouterr().out
    assert "| standalone, K=2 children |" in printed and "fast/naive" in printed
