"""The cost model takes its jobs from Snakemake's DAG, counts their work as the training code does it,
and turns a benchmark's rates into hours."""

import json
import subprocess
import sys

import pytest

from bench import projection as projection_cli
from tests.helpers import ROOT, TEST_CONFIG
from wsnas import config
from wsnas.data.datasets import prepare
from wsnas.data.sizes import split_sizes
from wsnas.errors import WsnasError
from wsnas.plan import cost

RATES = {"supernet_train": 300.0, "standalone_train": 400.0, "standalone_train_one": 250.0,
         "eval_single": 1000.0, "eval_all64": 3000.0}


@pytest.fixture(scope="module")
def paper():
    return config.load(ROOT / "config" / "paper.yaml", [])


def test_plan_imports_no_torch():
    code = "import sys, wsnas.plan.cost; assert 'torch' not in sys.modules, 'wsnas.plan.cost imports torch'"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]


def test_demo_sizes_match_the_prepared_dataset():
    cfg = config.load(ROOT / "config" / "config.yaml", [])
    prepared = prepare(cfg["data"])
    assert split_sizes(cfg["data"]) == (len(prepared["train_y"]), len(prepared["test_y"]))


def test_snakemake_plans_the_paper_jobs_counted_by_hand(paper):
    """Job counts from paper.yaml's numbers, written out here, against the DAG Snakemake builds."""
    targets = cost.targets(paper)
    assert list(targets)[0] == "ground_truth" and list(targets)[-3:] == ["all_tables", "all_figures", "all"]
    assert set(targets) > {"table1_stability", "table4_prefix_details", "fig2_stau_per_epoch", "fig9_sgd_momentum"}
    supernets = 3 * 10  # experiments seeds, orders, shuffle; 10 instances each
    ground_truth = 10 * 4  # 10 seeds x 4 chunks of 16 children
    groups = (5 * 2 + 2) * 10  # m = 2..32 under 2 groupings, m = 1 and m = 64 once; 10 instances
    prefix = 5 * 2 * 10  # k = 0..4 shared cells x 200 and 2000 epochs; 10 instances
    dense = 1 + 1 + 1 + 3 + 3 + 1  # fig5a, fig5b, fig7, fig8 (2 x 3 instances), fig9
    # baselines uniform, sequential and at momentum 0; DI-NAS and 7 arms (2 at momentum 0); PA&DA and 10 arms
    # (the max-pool control, 4 of Table 4); DARTS' 3 variants and 4 more etas; DCNAS and 4 controls; 10 instances each
    searches = (3 + 8 + 11 + 7 + 5) * 10
    assert cost.rule_counts(targets["all"]) == {
        "train_supernet": supernets, "evaluate_subnets": supernets, "train_ground_truth": ground_truth,
        "train_study": groups + prefix + dense, "finetune": 2, "train_search": searches, "evaluate_search": 3 * searches}
    assert cost.rule_counts(targets["all_tables"]) == {
        "train_supernet": supernets, "evaluate_subnets": supernets, "train_ground_truth": ground_truth,
        "train_study": groups + prefix, "train_search": searches, "evaluate_search": 3 * searches}  # 3 BN modes
    assert targets["ground_truth"] == {("train_ground_truth", str(s), str(c)) for s in range(10) for c in range(4)}
    # Figure 4: both snapshots fine-tuned from supernet seeds/0, whose children's accuracies it does not evaluate
    assert targets["fig4_finetune"] - targets["ground_truth"] == {
        ("finetune", "100"), ("finetune", "200"), ("train_supernet", "seeds", "0")}
    assert cost.rule_counts(targets["fig8_bn_momentum"] - targets["ground_truth"]) == {"train_study": 6}
    for name, keys in targets.items():  # every target needs the ground truth and nothing outside 'all'
        # a method's own diagnostics
        training_records_only = name in ("di_nas_collapse", "pada_probabilities", "darts_alpha", "dcnas_sharing")
        assert training_records_only or targets["ground_truth"] <= keys, name
        assert keys <= targets["all"], name
    assert targets["all"] == targets["all_tables"] | targets["all_figures"]
    assert set(cost.jobs(paper)) == targets["all"]


def test_work_of_jobs_follows_the_config(paper):
    jobs = cost.jobs(paper)
    # one supernet instance: 200 epochs of the 50k training images; its evaluation: 64 children x 10k x 200 epochs
    assert jobs[("train_supernet", "seeds", "0")].supernet == 200 * 50_000
    assert jobs[("evaluate_subnets", "seeds", "0")].eval == {64: 200 * 64 * 10_000}
    # ranking every 10th epoch and the last 10 (analysis.rank_every): 20 + 9 of the 200 epochs
    sparse = cost.jobs(config.merged(paper, analysis={"rank_every": 10}))
    assert sparse[("evaluate_subnets", "seeds", "0")].eval == {64: 29 * 64 * 10_000}
    # one ground-truth chunk: 16 children, each trained 200 epochs and evaluated after each
    gt = jobs[("train_ground_truth", "0", "0")]
    assert gt.standalone == 16 * 200 * 50_000 and gt.eval == {1: 16 * 200 * 10_000}
    # group sharing, m = 16: 16 networks of 4 children each; dense evaluation over the last 128 steps
    group = jobs[("train_study", "group-random-m16", "3")]
    assert group.standalone == 16 * 200 * 50_000 and group.supernet == 0
    assert group.eval == {4: 128 * 64 * 10_000}
    # m = 1 is the "Different seeds" supernet and m = 64 the ground truth: each trains its last epoch only
    # (wsnas.plan.reuse), where the 128 dense steps lie
    assert jobs[("train_study", "group-m1", "0")].supernet == 1 * 50_000
    assert jobs[("train_study", "group-m64", "0")].standalone == 64 * 1 * 50_000
    assert jobs[("train_study", "group-m64", "0")].eval == {1: 128 * 64 * 10_000}
    assert jobs[("train_study", "prefix-e2000-k2", "0")].supernet == 2000 * 50_000
    assert jobs[("finetune", "100")].finetune == 64 * 64 * 256


def test_a_pack_of_instances_costs_its_instances_jobs(paper):
    """train.streams: 4 trains each search run's and each Tables 1-2 experiment's 10 instances in packs of 4,
    4 and 2 (rules/searches.smk, rules/supernet.smk): the plan counts 3 pack jobs per run, whose work is that
    of the run's 10 one-instance jobs."""
    single, packed = cost.jobs(paper), cost.jobs(config.merged(paper, train={"streams": 4}))
    counts, alone = cost.rule_counts(packed), cost.rule_counts(single)
    assert counts["train_search_pack"] == 3 * alone["train_search"] // 10 and "train_search" not in counts
    assert counts["train_supernet_pack"] == 3 * 3 and "train_supernet" not in counts
    for experiment in ("seeds", "orders", "shuffle"):
        packs = [packed[("train_supernet_pack", experiment, str(p))].supernet for p in range(3)]
        assert packs == [sum(single[("train_supernet", experiment, str(i))].supernet for i in r)
                         for r in (range(0, 4), range(4, 8), range(8, 10))]
    for run in ("baseline", "darts_amended", "pada"):
        alone = [single[("train_search", run, str(i))] for i in range(10)]
        packs = [packed[("train_search_pack", run, str(p))] for p in range(3)]
        assert [w.supernet for w in packs] == [sum(w.supernet for w in alone[a:b]) for a, b in ((0, 4), (4, 8), (8, 10))]
        assert {w.method for w in packs} == {alone[0].method}
        assert sum(w.seconds(RATES) for w in packs) == pytest.approx(sum(w.seconds(RATES) for w in alone))


def test_a_non_local_rule_without_a_work_model_is_refused(monkeypatch):
    cfg = config.load(TEST_CONFIG, [])
    monkeypatch.delitem(cost.WORK, "finetune")
    cost._plan.cache_clear()
    try:
        with pytest.raises(WsnasError, match="no cost model for rule.s. finetune"):
            cost.plan(cfg)
    finally:
        cost._plan.cache_clear()


def test_the_stored_plan_is_snakemakes_plan_of_the_paper_config(paper):
    assert cost.stored_plan(paper) == cost.plan(paper), \
        f"{cost.STORED_PLAN} is stale: rerun python -m bench.projection --store-plan"


def test_without_snakemake_the_stored_plan_of_the_same_config_is_used(paper, monkeypatch, tmp_path):
    small = config.load(TEST_CONFIG, [])
    path = cost.store_plan(small, tmp_path / "plan.json")
    live = cost.plan(small)
    monkeypatch.setattr(cost, "STORED_PLAN", path)
    monkeypatch.setitem(sys.modules, "snakemake.api", None)  # as on the GPU check's bare machines
    cost._plan.cache_clear()
    try:
        assert cost.plan(small) == live
        with pytest.raises(WsnasError, match="snakemake.*store-plan"):
            cost.plan(paper)
    finally:
        cost._plan.cache_clear()


def test_a_config_snakemake_refuses_is_one_line():
    cfg = config.load(TEST_CONFIG, [])
    cfg["analysis"]["figure3_experiment"] = "no-such-experiment"
    with pytest.raises(WsnasError, match="Snakemake cannot build the DAG.*no-such-experiment"):
        cost.plan(cfg)


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


def test_projection_counts_every_job_of_all_once(paper):
    rows = {r["target"]: r for r in cost.projection(paper, RATES)}
    jobs = cost.jobs(paper)
    assert rows["all"]["hours"] == pytest.approx(sum(w.seconds(RATES) for w in jobs.values()) / 3600)
    assert rows["all"]["jobs"] == len(jobs)
    assert rows["all"]["train_images"] == pytest.approx(sum(w.supernet + w.standalone + w.finetune for w in jobs.values()))
    for name, row in rows.items():
        assert 0 < row["hours"] <= rows["all"]["hours"] * (1 + 1e-12), name
    assert rows["table1_stability"]["hours"] < rows["all_tables"]["hours"]
    gt = rows["ground_truth"]["hours"]
    assert gt > 0 and rows["ground_truth"]["hours_own"] == 0
    assert rows["fig5_dense"]["hours"] == pytest.approx(gt + rows["fig5_dense"]["hours_own"])
    assert rows["fig4_finetune"]["hours_own"] < rows["fig4_finetune"]["hours"]


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


FACTORS = [{"method": "darts", "options": {"variant": "first_order"}, "factor": 3.0, "timing": "first"},
           {"method": "di_nas", "options": {}, "factor": 1.5, "timing": "di"}]


def test_a_search_counts_its_methods_measured_step_factor():
    darts = cost.Work(supernet=600.0, method=("darts", (("eta", 0.1), ("variant", "first_order"))))
    amended = cost.Work(supernet=600.0, method=("darts", (("eta", 0.1), ("variant", "amended"))))
    di_nas = cost.Work(supernet=600.0, method=("di_nas", (("exclude_self", False),)))
    assert cost.step_factor(darts.method, FACTORS) == 3.0
    assert cost.step_factor(di_nas.method, FACTORS) == 1.5  # a timing with no options fits every run of it
    assert cost.step_factor(amended.method, FACTORS) is None  # this variant was not timed
    assert cost.step_factor(None, FACTORS) == cost.step_factor(("single_path", ()), []) == 1.0
    assert darts.seconds(RATES, 3.0) == pytest.approx(3 * cost.Work(supernet=600.0).seconds(RATES))


def test_projection_counts_step_factors_and_names_the_untimed_methods(paper):
    plain = {r["target"]: r for r in cost.projection(paper, RATES)}
    timed = {r["target"]: r for r in cost.projection(paper, RATES, FACTORS)}
    def factor(work):  # FACTORS by hand; the untimed DARTS variants at single path's step time
        name, options = work.method or ("single_path", ())
        options = dict(options)
        return {"di_nas": 1.5, "darts": 3.0 if options.get("variant") == "first_order" else 1.0}.get(name, 1.0)

    by_hand = sum(w.seconds(RATES, factor(w)) for w in cost.jobs(paper).values())
    assert timed["all"]["hours"] == pytest.approx(by_hand / 3600)
    assert timed["all"]["hours"] > plain["all"]["hours"]
    assert timed["ground_truth"]["hours"] == plain["ground_truth"]["hours"]
    assert any(u.startswith("darts variant=amended") for u in timed["all"]["untimed"])
    assert not any(u.startswith(("di_nas", "single_path")) for u in timed["all"]["untimed"])


def test_the_projection_is_in_the_configs_precision_with_bf16_beside(paper, tmp_path, capsys):
    fp32 = {k: v / 2 for k, v in RATES.items()}
    bench = {"device": "test GPU", "threads": 1, "fast_precision": "bf16", "size": "paper", "rates": RATES,
             "rates_by_precision": {"bf16": RATES, "fp32": fp32}, "step_factors": FACTORS}
    assert paper["train"]["precision"] == "fp32"
    assert cost.rates_for(bench, "fp32") == fp32 and cost.rates_for(bench, "auto") == RATES
    path = tmp_path / "speed.json"
    path.write_text(json.dumps(bench))
    rows = {r["target"]: r for r in projection_cli.main(["--bench", str(path)])}
    printed = capsys.readouterr().out
    assert "device-hours (fp32)" in printed and "device-hours (bf16)" in printed
    assert rows["all"]["hours"] == pytest.approx(2 * rows["all"]["hours_bf16"])
    assert rows["all"]["hours"] == pytest.approx(next(r for r in cost.projection(paper, fp32, FACTORS)
                                                      if r["target"] == "all")["hours"])
    del bench["rates_by_precision"]["fp32"]
    with pytest.raises(WsnasError, match="not in fp32.*train.precision.*rerun python -m bench"):
        cost.rates_for(bench, "fp32")
