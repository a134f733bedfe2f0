"""Real Snakemake runs of the DAG on config/test.yaml, in temporary working directories (``demo_run``, the
whole DAG: tests/conftest.py)."""

import os
import re
import shutil
import signal
import subprocess
import time

import pandas as pd
import pytest
import yaml

from tests.helpers import COSTED_RULES, ROOT, SNAKEMAKE, command, config_file, planned_jobs, snakemake
from wsnas.config import load as load_config
from wsnas.plan import cost
from wsnas.reporting import paper
from wsnas.reporting.tables import read_long

pytestmark = pytest.mark.slow


def test_whole_dag_builds_tables_and_figures(demo_run):
    tables, figures = demo_run / "reports" / "tables", demo_run / "reports" / "figures"
    for name in ("table1_stability", "table2_ground_truth"):
        for ext in (".csv", ".md", ".tex"):
            assert (tables / f"{name}{ext}").stat().st_size > 0
    for name in ("fig2_stau_per_epoch", "fig3_rank_distribution"):
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (figures / f"{name}.pdf").read_bytes()[:5] == b"%PDF-"
    t1 = read_long(tables / "table1_stability.csv").pivot(index="row", columns="metric", values=["ours", "paper"])
    assert list(t1.index) == sorted(["Different seeds", "Different orders", "Diff. orders (shuffle)", "Random rank",
                                     "Ground truth", "Different epochs", "Different epochs (range over instances)"])
    s_tau, max_tau, min_tau = (t1["ours", m] for m in ("S-Tau", "Max Tau", "Min Tau"))
    assert s_tau.abs().le(1).all() and max_tau.abs().le(1).all() and min_tau.abs().le(1).all()
    assert (max_tau >= s_tau - 1e-12).all() and (s_tau >= min_tau - 1e-12).all()
    assert t1["paper", "S-Tau"].dropna().to_dict() == {k: v[0] for k, v in paper.TABLE1.items() if v[0] == v[0]}
    t2 = read_long(tables / "table2_ground_truth.csv").pivot(index="row", columns="metric", values="ours")
    assert sorted(t2.index) == sorted(["Different seeds", "Different orders", "Diff. orders (shuffle)", "Ground truth", "Different epochs"])
    assert t2["T1R"].between(1, 64).all() and (t2["T3R"] <= t2["T1R"]).all()
    md = (tables / "table1_stability.md").read_text()
    assert "Produced by: dataset digits (8x8), 3 supernet epochs" in md and "0.5415" in md


def test_whole_dag_builds_tables_3_4_figures_4_9_and_the_paper_comparison(demo_run):
    tables, figures = demo_run / "reports" / "tables", demo_run / "reports" / "figures"
    for name in ("fig4_finetune", "fig5_dense", "fig6_group_curves", "fig7_dense_long", "fig8_bn_momentum", "fig9_sgd_momentum"):
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    t3a = pd.read_csv(tables / "table3a_group_sharing.csv")
    assert len(t3a) == 3 * 2 * 2 and t3a["n"].eq(2).all()  # m in {1, 16, 64} x groupings x (Mean, Std)
    assert t3a.loc[(t3a["row"] == "m = 16") & (t3a["column"] == "grouping by similarity") & (t3a["metric"] == "GT-Tau-Mean-k"), "paper"].item() == 0.72
    m1 = t3a[t3a["row"] == "m = 1"].set_index(["column", "metric"])["ours"]
    assert m1["grouping by random"].equals(m1["grouping by similarity"])  # m = 1 does not depend on the grouping
    t4 = pd.read_csv(tables / "table4_prefix_details.csv")
    assert len(t4) == 2 * 2 * 4 and t4["ours"].between(-1, 1).all()
    # Table 4's accuracy mean recomputed from the dense tables of one run
    from wsnas.reporting.analysis import dense_matrix

    accs = [dense_matrix(demo_run / f"results/studies/prefix-e4-k0/{i}/dense.csv").iloc[-2:].mean().mean() for i in range(2)]
    row = t4[(t4["row"] == "4 epochs, k = 0") & (t4["metric"] == "Accuracy Mean")]
    assert row["ours"].item() == pytest.approx(sum(accs) / 2)
    report = (demo_run / "reports/paper_comparison.md").read_text()
    assert "**Configuration:** dataset digits (8x8)" in report
    compared = report.split("## Remedies")[0]  # Tables 1-4's numbers; the Remedies section follows them
    rows = [line for line in compared.splitlines() if line.startswith("| ") and not line.startswith("| Table")]
    assert len(rows) == 7 * 3 + 5 * 3 + len(t3a) + 2 * 2 + len(t4)  # every number of Tables 1-4
    assert "| 3a | m = 64 | grouping by random | GT-Tau-Mean-k | 0.8032 ± 0.0255 |" in re.sub(r" +", " ", report)
    assert (demo_run / "reports/paper_comparison.html").read_text().startswith("<!doctype html>")


def test_whole_dag_builds_table5_and_the_di_nas_figures_from_the_search_runs(demo_run):
    """Table 5 has a row per search run and BN mode whose GT-Tau is the one recomputed from the runs' accuracy
    files, each paired with the baseline's 2 instances; DI-NAS's figures and diagnostics exist."""
    from wsnas.reporting.analysis import accuracy_matrix
    from wsnas.reporting.metrics import gt_tau
    from wsnas.reporting.results import CHILDREN, read_ground_truth

    table = pd.read_csv(demo_run / "reports/tables/table5_methods.csv").set_index(["run", "bn_mode"])
    cfg = load_config(ROOT / "config/test.yaml")
    remedies = [(r, cfg["evaluate"]["bn_mode"]) for r in cfg["comparison"]["studies"]]
    alpha = [(r, "alpha") for r, run in cfg["searches"].items() if run["method"]["name"] == "darts"]
    assert alpha and sorted(table.index) == sorted(
        [(r, b) for r in cfg["searches"] for b in cfg["comparison"]["bn_modes"]] + remedies + alpha)
    gt = read_ground_truth(demo_run / "results/ground_truth/summary.csv")
    for run, bn in remedies:
        finals = [pd.read_csv(demo_run / f"results/studies/{run}/{i}/dense.csv").iloc[-1][CHILDREN].to_numpy(dtype=float)
                  for i in range(2)]
        assert table.loc[(run, bn), "gt_tau"] == pytest.approx(sum(gt_tau(f, gt) for f in finals) / 2)
    table = table.drop(remedies + alpha)
    for (run, bn), row in table.iterrows():
        finals = [accuracy_matrix(demo_run / f"results/searches/{run}/{i}/accuracy_{bn}.csv").iloc[-1].values for i in range(2)]
        assert row["gt_tau"] == pytest.approx(sum(gt_tau(f, gt) for f in finals) / 2)
    compared = pd.read_csv(demo_run / "reports/tables/table5_comparisons.csv")
    runs = [r for r in cfg["searches"] if r != cfg["comparison"]["baseline"]]
    versus = compared[compared["kind"] == "baseline"]
    assert len(versus) == len(runs) * len(cfg["comparison"]["bn_modes"]) + len(alpha) * len(cfg["comparison"]["bn_modes"])
    assert compared["n"].eq(2).all() and compared["p_holm"].isna().all()  # 2 instances: no test, no verdict
    assert set(compared["verdict"]) <= {"too few instances (n = 2)", "identical"}
    contrast = compared[compared["kind"] == "contrast"]
    assert set(zip(contrast["run"], contrast["against"])) == {(c["run"], c["against"]) for c in cfg["comparison"]["contrasts"]}
    for name in ("fig10_methods", "fig11_rank_scatter", "di_nas_disturbance", "di_nas_collapse", "pada_probabilities"):
        assert (demo_run / f"reports/figures/{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    epochs = {run: pd.read_csv(demo_run / f"results/searches/{run}/0/epochs.csv") for run in ("baseline", "di_nas")}
    assert "dinas_ratio_stem" in epochs["di_nas"] and "dinas_ratio_stem" not in epochs["baseline"]
    pada = pd.read_csv(demo_run / "results/searches/pada/0/epochs.csv")
    assert pada["pada_p_max_pool_3x3"].iloc[0] == 0.25 and pada["pada_data_ess"].iloc[0] == pytest.approx(1.0)
    # what each method did (its declared records), over the instances, in Table 5's Mechanisms section
    mechanism = pd.read_csv(demo_run / "results/metrics/searches/pada/mechanism.csv")
    last = mechanism[(mechanism["position"] == "last") & (mechanism["label"].str.startswith("max-pool"))].iloc[0]
    p = [pd.read_csv(demo_run / f"results/searches/pada/{i}/epochs.csv")["pada_p_max_pool_3x3"].iloc[-1] for i in range(2)]
    assert last["instances"] == 2 and (last["mean"], last["low"], last["high"]) == pytest.approx((sum(p) / 2, min(p), max(p)))
    assert pd.read_csv(demo_run / "results/metrics/searches/baseline/mechanism.csv").empty
    md = (demo_run / "reports/tables/table5_methods.md").read_text()
    assert "### Mechanisms" in md and "| PA&DA " in md.split("### Mechanisms")[1]


def test_every_distinct_pick_is_retrained_once_and_the_ground_truth_reused_when_settings_match(demo_run):
    """config/test.yaml retrains for 3 epochs (the ground truth trains 2): each distinct picked child trains
    once per seed, however many runs picked it; with the ground truth's settings nothing trains, and the
    retraining results are read from the ground truth's tables."""
    picks = pd.read_csv(demo_run / "results/retrain/picks.csv", dtype={"child": str})
    assert len(picks) > picks["child"].nunique()  # some child is picked more than once
    trained = sorted(p.parent.name for p in (demo_run / "results/retrain").glob("*/seed0.csv"))
    assert trained == sorted(picks["child"].unique())
    retrained = pd.read_csv(demo_run / "results/metrics/retrain.csv", dtype={"child": str})
    assert set(retrained["source"]) == {"retrained"} and len(retrained) == len(picks)
    table = pd.read_csv(demo_run / "reports/tables/table5_methods.csv").set_index(["run", "bn_mode"])
    assert table["retrained_acc"].notna().all()
    same = config_file(demo_run, "same.yaml", retrain={"epochs": None, "seeds": None})
    result = snakemake(demo_run, "-n", "reports/tables/table5_methods.md", config=same)
    jobs = planned_jobs(result.stdout)
    assert "retrain_child" not in jobs and jobs.get("retrain_results") == 1, jobs
    remedies = (demo_run / "reports/paper_comparison.md").read_text().split("## Remedies")[1]
    for label in table["label"].unique():
        assert f"| {label} |" in remedies
    findings = remedies.split("### What the comparisons show")[1]
    assert "too few instances" in findings and " ranks better" not in findings and " ranks worse" not in findings


def test_instances_packed_by_train_streams_are_those_trained_one_job_each(demo_run, first_tables, tmp_path):
    """train.streams: 2 trains the baseline's two instances in one job (rules/searches.smk): the same dense
    tables and epoch records as the whole DAG's one-instance jobs, and each instance's cost is its share of
    the pack's training seconds. Supernets trained one job each and then packed train nothing again."""
    work = tmp_path / "run"
    shutil.copytree(first_tables, work, symlinks=True)
    packed = config_file(tmp_path, train={"streams": 2})
    files = [f"results/searches/baseline/{i}/{name}" for i in (0, 1) for name in ("dense.csv", "epochs.csv")]
    benchmarks = [f"results/benchmarks/train_search/baseline/{i}.tsv" for i in (0, 1)]
    jobs = planned_jobs(snakemake(work, "-n", *files, *benchmarks, config=packed).stdout)
    assert jobs == {"train_search_pack": 1, "unpack_search_instance": 2}, jobs
    snakemake(work, *files, *benchmarks, config=packed)
    for name in files:
        if name.endswith("dense.csv"):
            assert (work / name).read_bytes() == (demo_run / name).read_bytes(), name
        else:
            assert pd.read_csv(work / name).drop(columns=["images_per_s", "pack_size"]).equals(
                pd.read_csv(demo_run / name).drop(columns="images_per_s")), name
    pack = pd.read_csv(work / "results/benchmarks/train_search_pack/baseline/0.tsv", sep="\t")
    for name in benchmarks:  # a half of the pack's epochs: under half of the whole job's seconds
        assert 0 < pd.read_csv(work / name, sep="\t")["s"].iloc[0] < pack["s"].iloc[0] / 2
    # Tables 1-2's supernets, trained one job each, then packed (a speed setting changed): the packs resume
    # every instance at its last epoch, train nothing, and the evaluation is the same
    accuracies = [f"results/supernet/seeds/{i}/accuracy.csv" for i in (0, 1)]
    checkpoints = sorted((p, p.stat().st_mtime_ns) for p in (work / "results/checkpoints/supernet/seeds").rglob("*.pt"))
    jobs = planned_jobs(snakemake(work, "-n", *accuracies, config=packed).stdout)
    assert jobs == {"train_supernet_pack": 1, "unpack_supernet_instance": 2, "evaluate_subnets": 2}, jobs
    snakemake(work, *accuracies, config=packed)
    assert sorted((p, p.stat().st_mtime_ns) for p in (work / "results/checkpoints/supernet/seeds").rglob("*.pt")) == checkpoints
    for name in accuracies:
        assert (work / name).read_bytes() == (first_tables / name).read_bytes(), name


def test_snakemake_report_bundles_every_table_and_figure(demo_run):
    snakemake(demo_run, "--report", "report.html", "all")
    html = (demo_run / "report.html").read_text()
    for name in ("paper_comparison.md", "table1_stability.csv", "table3a_group_sharing.csv", "table5_methods.md",
                 "di_nas_disturbance.png",
                 "table4_prefix_details.md", "fig2_stau_per_epoch.png", "fig9_sgd_momentum.png"):
        assert f'"filename": "{name}"' in html, name  # an embedded result, not just a rule's input
    assert '"filename": "summary.csv"' not in html  # intermediate results are not flagged


def test_table_numbers_follow_from_the_results(demo_run):
    """Recompute one Table 2 cell from the per-instance accuracy tables and the ground truth."""
    from wsnas.reporting import metrics
    from wsnas.reporting.analysis import accuracy_matrix

    gt = pd.read_csv(demo_run / "results/ground_truth/summary.csv", dtype={"child": str})["mean"].values
    taus = [metrics.gt_tau(accuracy_matrix(demo_run / f"results/supernet/seeds/{i}/accuracy.csv").iloc[-1].values, gt)
            for i in range(2)]
    t2 = read_long(demo_run / "reports/tables/table2_ground_truth.csv").set_index(["row", "metric"])
    assert t2.loc[("Different seeds", "GT-Tau"), "ours"] == pytest.approx(sum(taus) / 2)
    assert t2.loc[("Different seeds", "GT-Tau"), "ours_std"] == pytest.approx(abs(taus[0] - taus[1]) / 2)


def test_naming_one_figure_rebuilds_only_what_it_needs(demo_run, tmp_path):
    for ext in (".png", ".pdf"):
        (demo_run / "reports/figures" / f"fig2_stau_per_epoch{ext}").unlink()
    out = snakemake(demo_run, "-n", "reports/figures/fig2_stau_per_epoch.pdf")
    assert planned_jobs(out.stdout) == {"fig2_stau_per_epoch": 1}
    fresh = snakemake(tmp_path, "-n", "reports/figures/fig2_stau_per_epoch.pdf")
    jobs = planned_jobs(fresh.stdout)
    assert jobs["train_supernet"] == 4  # 'seeds' and 'shuffle' instances; Figure 2 does not plot 'orders'
    assert "table1_stability" not in jobs and "fig3_rank_distribution" not in jobs
    assert "results/supernet/orders" not in fresh.stdout


def test_bad_config_stops_before_any_job_naming_the_key(tmp_path):
    bad = config_file(tmp_path, "bad.yaml", train={"epocs": 3})
    out = snakemake(tmp_path, "-n", "all", config=bad, check=False)
    assert out.returncode != 0 and "'train.epocs'" in out.stdout + out.stderr
    bad = config_file(tmp_path, "bad.yaml", train={"children": ["111", "512"]})
    out = snakemake(tmp_path, "-n", "all", config=bad, check=False)
    assert out.returncode != 0 and "'512' is not a child id" in out.stdout + out.stderr


def test_killed_run_resumes_without_redoing_finished_jobs(tmp_path):
    config = config_file(tmp_path, "long.yaml", train={"epochs": 12})
    work = tmp_path / "run"
    work.mkdir()
    target = "results/supernet/seeds/0/manifest.json"  # the training job alone: its evaluation resumes nothing
    cmd = command(work, config, target, cores=1)
    # A shell's background job inherits SIGINT as ignored, and Python then never installs its Ctrl-C
    # handler: restore the default so that the test behaves the same however pytest was started.
    proc = subprocess.Popen(cmd, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    checkpoints = work / "results/checkpoints/supernet/seeds/0"
    deadline = time.time() + 240
    while not list(checkpoints.glob("*/epoch_0003.pt")):
        assert proc.poll() is None and time.time() < deadline, "the run ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: Snakemake and its running job, mid-training
    proc.wait(timeout=60)
    data = work / "results/data/digits.pt"
    finished = data.stat().st_mtime_ns
    done = sorted(p.name for p in next(checkpoints.iterdir()).glob("epoch_*.pt"))
    assert "epoch_0012.pt" not in done
    out = subprocess.run(cmd, cwd=work, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    assert data.stat().st_mtime_ns == finished, "prepare_data was redone"
    log = (work / "results/logs/train_supernet/seeds/0.log").read_text()
    assert re.search(rf"resumed from .*{done[-1]}", log), log[-2000:]
    assert "prepare_data" not in planned_jobs(out.stdout + out.stderr)


def test_slurm_profile_dry_run_gives_gpu_rules_one_gpu():
    out = subprocess.run([*SNAKEMAKE, "--profile", "slurm", "all_tables", "-n"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "config/paper.yaml" in text
    jobs = planned_jobs(text)
    assert jobs["train_supernet"] == 30 and jobs["train_ground_truth"] == 40
    # Table 3a: 5 partitions x 2 groupings + m = 1 and m = 64 once; Table 3b/4: 5 k x 2 epoch counts; 10 instances
    assert jobs["train_study"] == (5 * 2 + 2) * 10 + 5 * 2 * 10
    # the cost model (python -m bench.projection) plans the same paper-scale jobs
    planned = cost.rule_counts(cost.targets(load_config(ROOT / "config" / "paper.yaml", []))["all_tables"])
    assert planned == {rule: n for rule, n in jobs.items() if rule in COSTED_RULES}
    blocks = re.split(r"\n(?=(?:local)?rule \w+:)", text)
    gpu_rules = {"train_supernet", "evaluate_subnets", "train_ground_truth", "train_study", "train_search", "evaluate_search"}
    seen = set()
    for block in blocks:
        m = re.match(r"(?:local)?rule (\w+):", block)
        if not m or "resources:" not in block:
            continue
        resources = block[block.index("resources:"):].splitlines()[0]
        seen.add(m.group(1))
        assert ("gpu=1" in resources) == (m.group(1) in gpu_rules), block
    assert gpu_rules <= seen and "experiment_metrics" in seen


def test_slurm_profile_gives_a_pack_of_search_instances_one_gpu(tmp_path):
    """With train.streams: 4 each search run's and each experiment's 10 instances train in 3 jobs of one GPU;
    copying an instance's files out of its pack asks for none."""
    cfg = yaml.safe_load((ROOT / "config" / "paper.yaml").read_text())
    cfg["train"]["streams"] = 4
    (tmp_path / "packed.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))
    out = subprocess.run([*SNAKEMAKE, "--profile", "slurm", "-n", "--configfile", str(tmp_path / "packed.yaml"), "--",
                          "all_tables"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    jobs = planned_jobs(out.stdout)
    assert jobs["train_search_pack"] == 34 * 3 and jobs["unpack_search_instance"] == 34 * 10 and "train_search" not in jobs
    assert jobs["train_supernet_pack"] == 3 * 3 and jobs["unpack_supernet_instance"] == 3 * 10 and "train_supernet" not in jobs
    blocks = {m.group(1): block for block in re.split(r"\n(?=(?:local)?rule \w+:)", out.stdout)
              if (m := re.match(r"(?:local)?rule (\w+):", block))}
    for rule in ("search", "supernet"):
        assert "gpu=1" in blocks[f"train_{rule}_pack"] and "gpu=1" not in blocks[f"unpack_{rule}_instance"]


def test_lint_is_clean():
    out = subprocess.run([*SNAKEMAKE, "--lint"], cwd=ROOT, capture_output=True, text=True)
    assert "Congratulations, your workflow is in a good condition!" in out.stdout + out.stderr, out.stdout[-3000:]
