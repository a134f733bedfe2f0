"""The cost model plans the same jobs as the DAG, counts their work as the training code does it, and
turns a benchmark's rates into hours."""

import json
import subprocess
import sys

import pytest

from bench import projection as projection_cli
from wsnas import config
from wsnas.plan import cost
from wsnas.data.datasets import prepare, split_sizes

from test_pipeline import COSTED_RULES, ROOT, TEST_CONFIG, planned_jobs

RATES = {"supernet_train": 300.0, "standalone_train": 400.0, "standalone_train_one": 250.0,
         "eval_single": 1000.0, "eval_all64": 3000.0}


def test_digits_sizes_match_the_prepared_dataset():
    cfg = config.load(ROOT / "config" / "config.yaml", [])
    prepared = prepare(cfg["data"])
    assert split_sizes(cfg["data"]) == (len(prepared["train_y"]), len(prepared["test_y"]))


def test_work_of_jobs_follows_the_config():
    cfg = config.load(ROOT / "config" / "paper.yaml", [])
    jobs = cost.jobs(cfg)
    # one supernet instance: 200 epochs of the 50k training images; its evaluation: 64 children x 10k x 200 epochs
    assert jobs[("train_supernet", "seeds", 0)].supernet == 200 * 50_000
    assert jobs[("evaluate_subnets", "seeds", 0)].eval == {64: 200 * 64 * 10_000}
    # one ground-truth chunk: 16 children, each trained 200 epochs and evaluated after each
    gt = jobs[("train_ground_truth", 0, 0)]
    assert gt.standalone == 16 * 200 * 50_000 and gt.eval == {1: 16 * 200 * 10_000}
    # group sharing, m = 16: 16 networks of 4 children each; dense evaluation over the last 128 steps
    group = jobs[("train_study", "group-random-m16", 3)]
    assert group.standalone == 16 * 200 * 50_000 and group.supernet == 0
    assert group.eval == {4: 128 * 64 * 10_000}
    assert jobs[("train_study", "group-m1", 0)].supernet == 200 * 50_000
    assert jobs[("train_study", "group-m64", 0)].eval == {1: 128 * 64 * 10_000}
    assert jobs[("train_study", "prefix-e2000-k2", 0)].supernet == 2000 * 50_000
    assert jobs[("finetune", 100)].finetune == 64 * 64 * 256


def test_seconds_interpolate_between_the_measured_evaluation_rates():
    work = cost.Work(supernet=600.0, standalone=800.0, finetune=500.0)
    assert work.seconds(RATES) == pytest.approx(2 + 2 + 2)
    single, shared, four = cost.Work(), cost.Work(), cost.Work()
    single.add_eval(1, 1000.0)
    shared.add_eval(64, 3000.0)
    four.add_eval(4, 1000.0)
    assert single.seconds(RATES) == pytest.approx(1.0) and shared.seconds(RATES) == pytest.approx(1.0)
    # a + b/n through (1, 1/1000) and (64, 1/3000): sharing among 4 is in between, nearer the shared end
    assert 1000 / 3000 < four.seconds(RATES) < 1000 / 1000
    assert four.seconds(RATES) == pytest.approx(1000 * (1 / 1000 - (1 / 1000 - 1 / 3000) * 64 / 63 * (1 - 1 / 4)))


def test_projection_counts_every_job_of_all_once():
    cfg = config.load(ROOT / "config" / "paper.yaml", [])
    rows = {r["target"]: r for r in cost.projection(cfg, RATES)}
    total = sum(w.seconds(RATES) for w in cost.jobs(cfg).values()) / 3600
    assert rows["all"]["hours"] == pytest.approx(total)
    assert rows["all"]["jobs"] == len(cost.jobs(cfg))
    for name, row in rows.items():
        assert 0 < row["hours"] <= rows["all"]["hours"] * (1 + 1e-12), name
    assert rows["table1_stability"]["hours"] < rows["all_tables"]["hours"]
    gt = rows["ground_truth"]["hours"]
    assert gt > 0 and rows["ground_truth"]["hours_own"] == 0
    assert rows["fig5_dense"]["hours"] == pytest.approx(gt + rows["fig5_dense"]["hours_own"])
    assert rows["fig4_finetune"]["hours_own"] < rows["fig4_finetune"]["hours"]


@pytest.mark.slow
@pytest.mark.parametrize("target", ["fig3_rank_distribution", "fig4_finetune", "fig6_group_curves", "all"])
def test_targets_plan_the_same_jobs_as_the_dag(tmp_path, target):
    out = subprocess.run([sys.executable, "-m", "snakemake", "-n", target, "-s", str(ROOT / "Snakefile"),
                          "-d", str(tmp_path), "--configfile", str(TEST_CONFIG)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    planned = {rule: n for rule, n in planned_jobs(out.stdout).items() if rule in COSTED_RULES}
    cfg = config.load(TEST_CONFIG, [])
    assert cost.rule_counts(cost.targets(cfg)[target]) == planned


def test_projection_cli_reads_a_benchmark_json(tmp_path, capsys):
    bench = {"device": "test CPU", "threads": 2, "fast_precision": "fp32", "size": "small", "rates": RATES}
    path = tmp_path / "speed.json"
    path.write_text(json.dumps(bench))
    rows = projection_cli.main(["--bench", str(path)])
    printed = capsys.readouterr().out
    assert "| all |" in printed and "| fig8_bn_momentum |" in printed and "test CPU" in printed
    assert {r["target"] for r in rows} >= {"all_tables", "all_figures", "table4_prefix_details"}
    path.write_text(json.dumps({"device": "old run without rates"}))
    with pytest.raises(SystemExit):
        projection_cli.main(["--bench", str(path)])
    assert "rerun python -m bench" in capsys.readouterr().err
