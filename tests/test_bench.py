"""The speed benchmark runs end to end (at a smoke size) and reports consistent numbers."""

import json

import pytest

from bench.speed import main


def test_benchmark_smoke_run_writes_consistent_json(tmp_path, capsys):
    out = tmp_path / "speed.json"
    result = main(["--size", "smoke", "--device", "cpu", "--json", str(out)])
    assert json.loads(out.read_text()) == json.loads(json.dumps(result))
    assert result["ceiling_conv_fast_gflops"] > 0 and result["ceiling_matmul_fp32_gflops"] > 0
    low, high = result["child_forward_mflops_min_max"]
    assert 0 < low < result["child_forward_mflops_mean"] < high  # children differ in cost ('111' < '333')
    cases = {c["case"].split(",")[0].split(":")[0]: c for c in result["cases"]}
    assert set(cases) == {"standalone", "supernet training", "all-64 evaluation (8 images)",
                          "DARTS first order (mixed operations) vs single path", "DARTS second order vs first order",
                          "DARTS amended vs first order", "DARTS amended vs second order",
                          "DCNAS plain phase vs single path", "DCNAS Eq. 8 paired phase vs single path",
                          "DARTS second order", "DARTS amended"}  # ", finite-difference vs exact Hessian products"
    by_name = {c["case"]: c for c in result["cases"]}  # ratios of one run: a ratio of ratios is consistent
    amended, second = by_name["DARTS amended vs first order"], by_name["DARTS second order vs first order"]
    assert by_name["DARTS amended vs second order"]["ratio"] == pytest.approx(amended["fast"] / second["fast"])
    for case in result["cases"]:
        assert case["naive"] > 0 and case["fast"] > 0
        assert abs(case["ratio"] - case["fast"] / case["naive"]) < 1e-9
    # the projection's inputs: the rates in each measured precision, and each method's step time over single
    # path's, chained through the timing each is measured against; DCNAS's two phases give one factor
    assert result["rates_by_precision"] == {"fp32": result["rates"]}
    factors = {(f["method"], tuple(f["options"].items())): f["factor"] for f in result["step_factors"]}
    first = factors[("darts", (("variant", "first_order"),))]
    assert first == pytest.approx(1 / by_name["DARTS first order (mixed operations) vs single path"]["ratio"])
    assert factors[("darts", (("variant", "amended"),))] == pytest.approx(first / amended["ratio"])
    fd = by_name["DARTS amended, finite-difference vs exact Hessian products"]
    assert factors[("darts", (("variant", "amended"), ("hvp", "fd")))] == pytest.approx(first / amended["ratio"] / fd["ratio"])
    assert [m for m, _ in factors].count("dcnas") == 1 and factors[("di_nas", ())] > 0
    printed = capsys.readouterr().out
    assert "| standalone, K=2 children |" in printed and "fast/naive" in printed
    assert "| supernet training: DI-NAS vs single path |" in printed


def test_demo_size_benchmark_times_every_evaluation_batch_with_the_same_accuracies(tmp_path, capsys):
    """bench.demo_speed: the evaluation batch size is a speed setting only (running BN statistics): every
    size and memory format gives the same accuracies, and the fastest is reported against the configured."""
    from bench import demo_speed
    from tests.helpers import TEST_CONFIG

    result = demo_speed.main(["--config", str(TEST_CONFIG), "--json", str(tmp_path / "d.json")])
    assert len(result["dense"]) == 2 * len(demo_speed.EVAL_BATCHES)
    assert all(row["same_accuracies"] and row["seconds"] > 0 for row in result["dense"])
    assert result["dense_speedup"] >= 1.0 and result["dense_best"]["seconds"] == min(r["seconds"] for r in result["dense"])
    assert set(result["supernet_epoch_s"]) == {"channels_last", "nchw"} and result["standalone_epoch_s"]["children"] == 16
    assert result["step_paths_s"]["plain"] > 0 and result["step_paths_s"]["today"] > 0
    out = capsys.readouterr().out
    assert "fastest:" in out and "before issue 29" in out


SNAKEMAKE_LOG = """\
[Thu Nov 26 18:06:38 2026]
localrule prepare_data:
    output: results/data/digits.pt
    jobid: 4
[Thu Nov 26 18:06:40 2026]
Finished jobid: 4 (Rule: prepare_data)
[Thu Nov 26 18:06:40 2026]
rule train_study:
    output: results/studies/group-m64/0/dense.csv
    jobid: 98
    wildcards: run=group-m64, instance=0
[Thu Nov 26 18:06:41 2026]
rule train_study:
    output: results/studies/prefix-e8-k0/0/dense.csv
    jobid: 67
    wildcards: run=prefix-e8-k0, instance=0
[Thu Nov 26 18:08:40 2026]
Finished jobid: 98 (Rule: train_study)
[Thu Nov 26 18:09:41 2026]
Finished jobid: 67 (Rule: train_study)
[Thu Nov 26 18:09:41 2026]
localrule table1_stability:
    jobid: 7
[Thu Nov 26 18:09:42 2026]
Finished jobid: 7 (Rule: table1_stability)
"""


def test_job_minutes_from_a_snakemake_log(tmp_path, capsys):
    from bench import job_minutes

    jobs = job_minutes.parse(SNAKEMAKE_LOG.splitlines())
    rows = {r["kind"]: r for r in job_minutes.breakdown(jobs)}
    assert rows["study: prefix sharing"]["minutes"] == 3.0 and rows["study: group sharing m = 64"]["minutes"] == 2.0
    assert rows["metrics, tables, figures, reports"]["jobs"] == 1 and rows["prepare_data"]["minutes"] == 2 / 60
    (tmp_path / "log").write_text(SNAKEMAKE_LOG)
    job_minutes.main([str(tmp_path / "log")])
    printed = capsys.readouterr().out
    assert "wall time 3 min 04 s" in printed and "table1_stability written after 3 min 04 s" in printed


def test_bench_size_demo_is_the_demo_benchmark(monkeypatch):
    from bench import demo_speed, speed

    seen = []
    monkeypatch.setattr(demo_speed, "main", lambda argv: seen.append(argv) or "ran")
    assert speed.main(["--size", "demo"]) == "ran" and seen == [["--threads", "1"]]


def test_calibration_probe_separates_seed_noise_from_child_signal(tmp_path, capsys):
    """bench.calibrate: on synthetic accuracies with a known child spread and seed noise the decomposition
    recovers both; the probe trains each seed's children as that seed's ground-truth job does (the same
    accuracies), and prints one JSON line."""
    import json

    import numpy as np

    from bench import calibrate
    from tests.helpers import TEST_CONFIG
    from wsnas import config
    from wsnas.core.space import child_index
    from wsnas.plan.runs import ground_truth_config
    from wsnas.training import runtime
    from wsnas.training.drivers import train_standalone

    rng = np.random.default_rng(0)
    truth = rng.normal(0.8, 0.03, 4000)
    noise, signal = calibrate.noise_and_signal(truth + rng.normal(0, 0.01, (3, 4000)))
    assert abs(noise - 0.01) < 0.0005 and abs(signal - 0.03) < 0.001
    assert calibrate.noise_and_signal(np.tile(truth[:16], (2, 1))) == (0.0, pytest.approx(truth[:16].std(ddof=1)))

    cfg = config.load(TEST_CONFIG)
    children = calibrate.spread_children(2)
    probed = calibrate.probe(cfg, children, seeds=2)
    table = train_standalone(ground_truth_config(cfg, 1), runtime.device_data(cfg, None, 1), tmp_path,
                             children=[child_index(c) for c in children])
    last = table[table.epoch == table.epoch.max()].set_index("child")["accuracy"]
    assert probed[1].tolist() == [last[c] for c in children]

    calibrate.main(["--config", str(TEST_CONFIG), "--children", "2", "--seeds", "2"])
    line = json.loads(capsys.readouterr().out)
    assert line["children"] == 2 and line["mean_accuracy"] == pytest.approx(probed.mean())


def test_step_factors_chain_to_single_path_and_leave_out_a_broken_chain():
    from bench.speed import step_factors

    first, second, amended = ("DARTS first order (mixed operations) vs single path", "DARTS second order vs first order",
                              "DARTS amended vs second order")
    factors = step_factors({first: {"ratio": 0.5}, second: {"ratio": 0.25}, amended: {"ratio": 0.5}})
    by_variant = {f["options"]["variant"]: f["factor"] for f in factors}
    assert by_variant == {"first_order": 2.0, "second_order": 8.0, "amended": 16.0}
    # second order not timed: amended (measured against it) has no factor either, and no error
    factors = step_factors({first: {"ratio": 0.5}, amended: {"ratio": 0.5}})
    assert [f["options"] for f in factors] == [{"variant": "first_order"}]


def test_the_traffic_model_counts_activations_per_image():
    from bench.traffic import bytes_per_image
    from wsnas import config
    from wsnas.core.space import child_index

    cfg = config.load(None, ["model.stem_channels=8", "model.cell_channels=4", "model.num_cells=2"])
    wider = config.load(None, ["model.stem_channels=16", "model.cell_channels=8", "model.num_cells=2"])
    child = child_index("243")
    bf16, fp32 = bytes_per_image(cfg, child, 2, batch=2), bytes_per_image(cfg, child, 4, batch=6)
    assert fp32["forward"] == 2 * bf16["forward"] > 0  # per image: the batch does not matter
    assert bf16["backward"] == 2 * bf16["forward"]
    assert bytes_per_image(wider, child, 2)["forward"] > 1.8 * bf16["forward"]
    assert bytes_per_image(cfg, child_index("444"), 2)["optimiser"] != bf16["optimiser"]  # its own weights
