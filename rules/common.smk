import sys

# The wsnas package lives beside this workflow (the scripts in workflow/scripts find it the same way).
sys.path.insert(0, workflow.basedir)

from wsnas.config import validate as validate_wsnas_config
from wsnas.errors import WsnasError
from wsnas.jobs.common import checkpoint_folder, runtime
from wsnas.plan.runs import check_experiment_names, epochs_instance, ground_truth_config, run_config
from wsnas.plan.settings import data_settings, evaluate_job_settings, finetune_settings, training_settings
from wsnas.plan.studies import figure6_run_name, group_run_names, prefix_run_names, study_config, study_runs
from wsnas.reporting.tables import provenance

try:  # one line naming the bad key, before any job starts
    validate_wsnas_config(config, "config")
    check_experiment_names(config)
    STUDY_RUNS = study_runs(config)
except WsnasError as error:
    raise WorkflowError(str(error)) from None

EXPERIMENTS = list(config["experiments"])
GT_SEEDS = list(range(config["ground_truth"]["seeds"]))
GT_CHUNKS = list(range(config["ground_truth"]["chunks"]))
DATA = f"results/data/{config['data']['name']}.pt"


wildcard_constraints:
    experiment="|".join(EXPERIMENTS) or "none",
    instance=r"\d+",
    seed=r"\d+",
    chunk=r"\d+",
    run=r"[A-Za-z0-9_.\-]+",
    epoch=r"\d+",


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


def ground_truth_job_config(w):
    return ground_truth_config(config, int(w.seed), int(w.chunk))


def study_job_config(w):
    return study_config(config, w.run, int(w.instance))


def training_params(folder, config_of, evaluates=False):
    """settings, job and the checkpoint folder (results/checkpoints/<folder>/<hash of the settings>)."""

    def settings(w):
        return training_settings(config_of(w), evaluates)

    return {
        "settings": settings,
        "job": lambda w: runtime(config_of(w)),
        "checkpoints": lambda w: str(checkpoint_folder("results/checkpoints/" + folder.format(**w), settings(w))),
    }

PROVENANCE = provenance(config)


def config_sections(*names):
    """The config sections a report job reads (reports are cheap: a whole section is exact enough)."""
    return {name: config[name] for name in names}


# -- studies (Tables 3-4, Figures 4-9) --
STUDIES = config["studies"]
FINETUNE_CONFIG = run_config(config, STUDIES["finetune"]["experiment"], STUDIES["finetune"]["instance"])
FINETUNE_MANIFEST = "results/supernet/{e}/{i}/manifest.json".format(
    e=STUDIES["finetune"]["experiment"], i=STUDIES["finetune"]["instance"]
)


def study_tables(run):
    return expand("results/studies/{run}/{instance}/dense.csv", run=run, instance=range(STUDY_RUNS[run]["instances"]))


def study_metric_files(names):
    return expand("results/metrics/studies/{run}.csv", run=names)

