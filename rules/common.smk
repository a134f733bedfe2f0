import sys
from types import SimpleNamespace

# The wsnas package lives beside this workflow. One mechanism puts it on the path of the Snakefile and of every
# job's script, whatever runs the job (the pip-installed package, an --sdm conda environment, a SLURM node,
# where Snakemake reads this file again): the workflow's own folder on PYTHONPATH.
sys.path.insert(0, workflow.basedir)

from wsnas.jobs.common import on_pythonpath

on_pythonpath(workflow.basedir)

from wsnas.config import validate as validate_wsnas_config
from wsnas.errors import WsnasError
from wsnas.jobs.common import runtime
from wsnas.methods import checked_method
from wsnas.plan.retrain import retrain_config, retrain_jobs, retrain_seeds
from wsnas.plan.reuse import all_reuse
from wsnas.plan.runs import check_experiment_names, epochs_instance, ground_truth_config, run_config
from wsnas.plan.packs import INSTANCE_FILES, pack_instances, pack_of, pack_size
from wsnas.plan.searches import evaluation_config, every_epoch, method_figures, remedy_runs, search_config, search_runs
from wsnas.plan.settings import checkpoint_folder, data_settings, evaluate_job_settings, finetune_settings, training_settings
from wsnas.plan.studies import figure6_run_name, group_run_names, prefix_run_names, study_config, study_runs
from wsnas.reporting.tables import provenance

try:  # one line naming the bad key, before any job starts
    validate_wsnas_config(config, "config")
    check_experiment_names(config)
    checked_method(config["method"])
    STUDY_RUNS = study_runs(config)
    SEARCHES = search_runs(config)
    REMEDIES = remedy_runs(config)
    REUSE = all_reuse(config)
except WsnasError as error:
    raise WorkflowError(str(error)) from None

EXPERIMENTS = list(config["experiments"])
GT_SEEDS = list(range(config["ground_truth"]["seeds"]))
GT_CHUNKS = list(range(config["ground_truth"]["chunks"]))
DATA = f"results/data/{config['data']['name']}.pt"
#: Tables 1-2, Figures 2-3 and every job they need run before the studies (whose jobs Snakemake would
#: otherwise prefer for their larger inputs), so the first tables are written first.
FIRST_TABLES_PRIORITY = 1


BN_MODES = config["comparison"]["bn_modes"]


wildcard_constraints:
    experiment="|".join(EXPERIMENTS) or "none",
    search="|".join(SEARCHES) or "none",
    bn="|".join(BN_MODES),
    instance=r"\d+",
    seed=r"\d+",
    chunk=r"\d+",
    pack=r"\d+",
    run=r"[A-Za-z0-9_.\-]+",
    epoch=r"\d+",
    child=r"[1-4]{3}",


def instances(experiment):
    return range(config["experiments"][experiment]["instances"])


def accuracy_tables(experiment):
    return expand("results/supernet/{experiment}/{instance}/accuracy.csv", experiment=experiment, instance=instances(experiment))


def ground_truth_tables():
    return expand("results/ground_truth/seed{seed}/chunk{chunk}.csv", seed=GT_SEEDS, chunk=GT_CHUNKS)


def metric_files(name, experiments=None):
    return expand("results/metrics/{experiment}/{name}.csv", experiment=experiments or EXPERIMENTS, name=name)


# -- params: what each job's result depends on (wsnas.plan.settings); Snakemake reruns a job when they
# change. ``job`` carries the job's whole config, which Snakemake does not compare (wsnas.jobs.common.runtime).
def supernet_config(w):
    return run_config(config, w.experiment, int(w.instance))


#: Instances of a run one training job trains at once (train.streams; wsnas.plan.packs): with more than 1,
#: rules/supernet.smk and rules/searches.smk train Tables 1-2's supernets and the search runs in packs of
#: PACK instances and copy each instance's files out of its pack's folder.
PACK = pack_size(config)


def pack_params(folder, members, config_of):
    """settings (each instance's, which decide reruns), job (their configs), checkpoints (each instance's
    own job's folder, results/checkpoints/<folder>/<hash>) and instances of a pack: ``members(w)`` its
    instances, ``config_of(w, i)`` instance i's training config."""

    def configs(w):
        return [config_of(w, i) for i in members(w)]

    def checkpoints(w):
        return [checkpoints_of(folder.format(**w, instance=i), training_settings(cfg)) for i, cfg in zip(members(w), configs(w))]

    return {"settings": lambda w: [training_settings(cfg) for cfg in configs(w)], "job": lambda w: runtime(configs(w)),
            "checkpoints": checkpoints, "instances": lambda w: list(members(w))}


def supernet_pack(w):
    """The instances of pack ``w.pack`` of experiment ``w.experiment`` (wsnas.plan.packs)."""
    return pack_instances(config["experiments"][w.experiment]["instances"], PACK, int(w.pack))


SUPERNET_PACK_PARAMS = pack_params("supernet/{experiment}/{instance}", supernet_pack,
                                   lambda w, i: run_config(config, w.experiment, i))


def supernet_pack_folder(w):
    """The folder of the pack that trained instance ``w.instance`` of experiment ``w.experiment``."""
    return f"results/supernet/{w.experiment}/packs/{pack_of(w.instance, PACK)}"


def ground_truth_job_config(w):
    return ground_truth_config(config, int(w.seed), int(w.chunk))


def study_job_config(w):
    return study_config(config, w.run, int(w.instance))


def checkpoints_of(folder, settings):
    """A training's checkpoint folder: results/checkpoints/<folder>/<hash of its settings>."""
    return str(checkpoint_folder(f"results/checkpoints/{folder}", settings))


def training_params(folder, config_of, evaluates=False):
    """settings, job and the checkpoint folder (``checkpoints_of``)."""

    def settings(w):
        return training_settings(config_of(w), evaluates)

    return {
        "settings": settings,
        "job": lambda w: runtime(config_of(w)),
        "checkpoints": lambda w: checkpoints_of(folder.format(**w), settings(w)),
    }

PROVENANCE = provenance(config)


def evaluation_params(config_of):
    """settings (the evaluation's) and job: evaluating checkpoints that the input pins."""
    return {"settings": evaluate_job_settings(config), "job": lambda w: runtime(config_of(w))}



def config_sections(*names):
    """The config sections a report job reads (reports are cheap: a whole section is exact enough)."""
    return {name: config[name] for name in names}


# -- studies (Tables 3-4, Figures 4-9) --
STUDIES = config["studies"]
FINETUNE_CONFIG = run_config(config, STUDIES["finetune"]["experiment"], STUDIES["finetune"]["instance"])
FINETUNE_MANIFEST = "results/supernet/{e}/{i}/manifest.json".format(
    e=STUDIES["finetune"]["experiment"], i=STUDIES["finetune"]["instance"]
)
FINETUNE_PARAMS = {
    "settings": finetune_settings(FINETUNE_CONFIG, STUDIES["finetune"]["steps"]),
    "job": runtime(FINETUNE_CONFIG),
    "steps": STUDIES["finetune"]["steps"],
    "epoch": lambda w: int(w.epoch),
}


def reused_outputs(w):
    """The supernet and ground-truth jobs whose checkpoints a study instance starts from (wsnas.plan.reuse)."""
    return sorted({r.source.output for r in REUSE[(w.run, int(w.instance))]})


def reuse_params(w):
    """Which of a study instance's networks start from another job's checkpoint; a param Snakemake does not
    compare (the results are the same either way)."""
    return SimpleNamespace(networks=REUSE[(w.run, int(w.instance))])


def study_tables(run):
    return expand("results/studies/{run}/{instance}/dense.csv", run=run, instance=range(STUDY_RUNS[run]["instances"]))


def study_metric_files(names):
    return expand("results/metrics/studies/{run}.csv", run=names)


# -- report rules (rules/metrics.smk, tables.smk, figures.smk, comparison.smk): no torch, run locally --
GT_SUMMARY = "results/ground_truth/summary.csv"
FINETUNE_TABLES = expand("results/finetune/epoch{epoch}.csv", epoch=STUDIES["finetune"]["snapshots"])
TABLES = ["table1_stability", "table2_ground_truth", "table3a_group_sharing", "table3b_prefix_sharing",
          "table4_prefix_details"]
#: Subcategories of the Snakemake report (snakemake --report): Zhang et al. 2020, Sec. 3 and Sec. 4.
SEC3, SEC4 = "Sec. 3: instability of weight sharing", "Sec. 4: sharing fewer weights"
SEC_METHODS = "Remedies: methods compared on the ground truth"


def accuracy_table(experiment, instance):
    return f"results/supernet/{experiment}/{instance}/accuracy.csv"


#: Figure 3b: the accuracy table of the instance whose last epochs are ranked (Table 1's "Different epochs").
EPOCHS_INSTANCE = accuracy_table(config["analysis"]["epochs_experiment"], epochs_instance(config))


def metric_outputs(folder, *names):
    """Named outputs results/metrics/<folder>/<name>.csv, one per name (the script's keyword)."""
    return {name: f"results/metrics/{folder}/{name}.csv" for name in names}


def stability_inputs(experiments=None, random_rank=False):
    """What Table 1 and Figure 2 read: each experiment's S-Tau per epoch, the ground truth's and (Table 1)
    the random rankings'."""
    inputs = {"stability": metric_files("stability_per_epoch", experiments),
              "gt_stability": "results/metrics/ground_truth/stability_per_epoch.csv"}
    return inputs | ({"random_rank": "results/metrics/random_rank.csv"} if random_rank else {})


def dense_table(run, instance=0):
    return f"results/studies/{run}/{instance}/dense.csv"


def with_ground_truth(**inputs):
    """A figure's inputs and the ground-truth summary it ranks them against."""
    return inputs | {"ground_truth": GT_SUMMARY}


def reference_inputs():
    """What the paper comparison's reference section reads: the ground truth and every accuracy table."""
    return {"ground_truth": GT_SUMMARY, "accuracy": [f for e in EXPERIMENTS for f in accuracy_tables(e)]}


def report_params(*sections):
    """A table's or the comparison's params: the config sections it reads and the provenance line."""
    return {"config": config_sections(*sections), "provenance": PROVENANCE}


def reported(files, name, category, subcategory=None, caption=None):
    """``files`` in the Snakemake report under category/subcategory, with the caption workflow/report/<name>.rst
    (or ``caption``, relative to rules/)."""
    return report(files, caption=caption or f"../workflow/report/{name}.rst", category=category, subcategory=subcategory)


def table_output(name, subcategory):
    """reports/tables/<name>.{csv,md,tex}, in the Snakemake report with the caption workflow/report/<name>.rst."""
    return reported(multiext(f"reports/tables/{name}", ".csv", ".md", ".tex"), name, "Tables", subcategory)


def figure_output(name, subcategory):
    """reports/figures/<name>.{pdf,png}, in the Snakemake report with the caption workflow/report/<name>.rst."""
    return reported(multiext(f"reports/figures/{name}", ".pdf", ".png"), name, "Figures", subcategory)


# -- search runs: methods compared on the ground truth (rules/searches.smk, Table 5; wsnas.plan.searches) --
def search_files(run, name):
    """results/searches/<run>/<instance>/<name> of every instance of a search run."""
    return expand("results/searches/{run}/{instance}/{name}", run=run, instance=range(SEARCHES[run]["instances"]), name=name)


def search_job_config(w):
    return search_config(config, w.search, int(w.instance))


#: The files of one instance of a search run that its training writes (wsnas.plan.packs.INSTANCE_FILES).
SEARCH_INSTANCE_FILES = {key: f"results/searches/{{search}}/{{instance}}/{name}" for key, name in INSTANCE_FILES.items()}


def search_pack(w):
    """The instances of pack ``w.pack`` of search run ``w.search`` (wsnas.plan.packs)."""
    return pack_instances(SEARCHES[w.search]["instances"], PACK, int(w.pack))


SEARCH_PACK_PARAMS = {**pack_params("searches/{search}/{instance}", search_pack, lambda w, i: search_config(config, w.search, i)),
                      "run": lambda w: w.search}


def search_pack_folder(w):
    """The folder of the pack that trained instance ``w.instance`` of search run ``w.search``."""
    return f"results/searches/{w.search}/packs/{pack_of(w.instance, PACK)}"


def search_evaluation_config(w):
    return evaluation_config(config, w.search, int(w.instance), w.bn)


def search_metric_inputs(w):
    """accuracy_<bn>: the instances' accuracy tables in each BN mode of ``comparison.bn_modes``; dense: their
    dense tables; history: their epoch records (a method's own rankings); the ground truth."""
    return {**{f"accuracy_{bn}": search_files(w.search, f"accuracy_{bn}.csv") for bn in BN_MODES},
            "dense": search_files(w.search, "dense.csv"), "history": search_files(w.search, "epochs.csv"),
            "ground_truth": GT_SUMMARY}


#: What search_metrics reads besides its inputs: the BN modes, the dense-evaluation mode and window,
#: the Figure-3 disturbance interval and how many children per instance final retraining trains.
SEARCH_METRIC_PARAMS = {"run": lambda w: w.search, "method": lambda w: SEARCHES[w.search]["method"], "bn_modes": BN_MODES, "dense_mode": config["evaluate"]["bn_mode"], "window": STUDIES["window"],
                        "interval": config["comparison"]["interval"], "top_k": config["retrain"]["top_k"]}


def search_metric_files(name):
    return expand("results/metrics/searches/{run}/{name}.csv", run=SEARCHES, name=name)


#: What remedy_metrics reads besides its inputs: the run, the BN mode its dense rows were evaluated in, the window
#: and how many children per instance final retraining trains.
REMEDY_METRIC_PARAMS = {"run": lambda w: w.run, "bn_mode": config["evaluate"]["bn_mode"], "window": STUDIES["window"],
                        "top_k": config["retrain"]["top_k"]}


def comparison_metric_files(name):
    """A metric file of every row of Table 5: the search runs' and seed 002's remedies' (comparison.studies)."""
    return search_metric_files(name) + expand("results/metrics/remedies/{run}/{name}.csv", run=REMEDIES, name=name)


def table5_inputs():
    """Every row's metrics, the search runs' mechanism records, the train jobs' benchmark files (the measured
    cost) and the final retraining."""
    return {"summaries": comparison_metric_files("summary"), "instances": comparison_metric_files("instances"),
            "mechanisms": search_metric_files("mechanism"),
            "benchmarks": search_benchmarks() + remedy_benchmarks(), "retrain": "results/metrics/retrain.csv"}


def remedy_benchmarks():
    """The Snakemake benchmark files of the train jobs of every remedy in Table 5."""
    return [f for run in REMEDIES
            for f in expand("results/benchmarks/train_study/{run}/{i}.tsv", run=run, i=range(STUDY_RUNS[run]["instances"]))]


def search_benchmarks():
    """The Snakemake benchmark files of every search run's train jobs (Table 5's measured cost)."""
    return [f for run, s in SEARCHES.items()
            for f in expand("results/benchmarks/train_search/{run}/{i}.tsv", run=run, i=range(s["instances"]))]


BASELINE = config["comparison"]["baseline"]
#: Table 5's CSVs, which the paper comparison's Remedies section reads (none without search runs).
TABLE5_FILES = ({"methods": "reports/tables/table5_methods.csv", "comparisons": "reports/tables/table5_comparisons.csv"}
                if SEARCHES else {})
#: Each figure a configured method declares, with the runs it draws (rules/figures.smk makes its rule).
METHOD_FIGURES = method_figures(config)


def method_figure_inputs(figure, runs):
    """A method figure's inputs: ``figure.reads`` of every instance of its runs (or each run's metric file,
    for ``disturbance.csv``), and the ground-truth summary when it ranks against it."""
    if figure.reads == "disturbance.csv":
        inputs = expand("results/metrics/searches/{run}/disturbance.csv", run=runs)
    else:
        inputs = [f for run in runs for f in search_files(run, figure.reads)]
    return {"inputs": inputs, **({"ground_truth": GT_SUMMARY} if figure.ground_truth else {})}


def method_caption(figure):
    """The caption beside the declaring method (wsnas/methods/<method>/<caption>)."""
    package = figure.producer.partition(":")[0].rpartition(".")[0]
    return f"../{package.replace('.', '/')}/{figure.caption}"


# -- final retraining of the picks (rules/retrain.smk; wsnas.plan.retrain) --
RETRAIN_PICKS = "results/retrain/picks.csv"


def retrain_job_config(w):
    return retrain_config(config, w.child, int(w.seed))


def retrain_inputs(w):
    """After the checkpoint retrain_picks: every search run's picks and, for each distinct picked child and
    retraining seed, the table holding its retraining (the ground truth's when it is the same network)."""
    import pandas as pd

    picks = pd.read_csv(checkpoints.retrain_picks.get().output[0], dtype={"child": str})
    return {"picks": RETRAIN_PICKS, "results": sorted(set(retrain_jobs(config, picks["child"]).values()))}
