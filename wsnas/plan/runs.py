"""The configuration of each supernet and ground-truth job of Tables 1-2 (Zhang et al. 2020, Sec. 3),
derived from the pipeline configuration (no torch: the Snakefile calls these while it builds the DAG)."""

from wsnas.config import merged
from wsnas.errors import WsnasError
from wsnas.core.space import CHILD_IDS


def run_config(config: dict, experiment: str, instance: int) -> dict:
    """Training config of one supernet instance: the experiment's child order, and its varied seed(s) set
    to the instance number (Table 1: different seeds, which the authors' ``--seed`` set for the init and
    the data order, or different child orders)."""
    try:
        exp = config["experiments"][experiment]
    except KeyError:
        raise WsnasError(f"experiment {experiment!r} is not in config key 'experiments'") from None
    varied = exp["vary"] if isinstance(exp["vary"], list) else [exp["vary"]]
    return merged(config, train={"child_order": exp["child_order"], **{key: int(instance) for key in varied}})


def single_path_config(config: dict, **sections) -> dict:
    """``merged(config, **sections)``, trained by the single-path baseline whatever method the config
    names: the ground truth and fine-tuning are the same for every method."""
    out = merged(config, **sections)
    out["method"] = {"name": "single_path"}
    return out


def ranked_epochs(epochs, every: int, last: int) -> list:
    """The supernet epochs whose rankings are computed: every ``every``-th and each of the last ``last``
    (``analysis.rank_every`` and ``analysis.last_epochs``; every epoch when ``every`` is 1, as the paper)."""
    final = max(epochs)
    return sorted(e for e in epochs if e % every == 0 or e > final - last)


def ground_truth_config(config: dict, seed: int, chunk: int = 0) -> dict:
    """Standalone training of one seed's children (init and data-order seed = ``seed``; each network
    holds one child, so the child order plays no part; every method is ranked against the same ground
    truth, trained single-path)."""
    gt = config["ground_truth"]
    per_chunk = len(CHILD_IDS) // gt["chunks"]
    children = list(CHILD_IDS[chunk * per_chunk:(chunk + 1) * per_chunk])
    return single_path_config(config, sharing={"mode": "full"}, train={
        "init_seed": int(seed), "data_seed": int(seed), "children": children, "child_order": "sequential",
        "epochs": gt["epochs"] or config["train"]["epochs"]})


def epochs_instance(config: dict) -> int:
    """The instance of ``analysis.epochs_experiment`` behind the "Different epochs" rows and Figure 3b."""
    a = config["analysis"]
    instances = config["experiments"][a["epochs_experiment"]]["instances"]  # a known name (check_experiment_names)
    instance = instances - 1 if a["epochs_instance"] is None else a["epochs_instance"]
    if instance >= instances:
        raise WsnasError(f"config key analysis.epochs_instance={instance}: {a['epochs_experiment']} has instances 0..{instances - 1}")
    return instance


def check_experiment_names(config: dict) -> None:
    """Every experiment that ``analysis`` and ``studies.finetune`` name exists (one line naming the key)."""
    a = config["analysis"]
    named = {"analysis.epochs_experiment": [a["epochs_experiment"]], "analysis.figure3_experiment": [a["figure3_experiment"]],
             "analysis.figure2_experiments": a["figure2_experiments"],
             "analysis.epochs_range_experiments": a["epochs_range_experiments"],
             "studies.finetune.experiment": [config["studies"]["finetune"]["experiment"]]}
    for key, names in named.items():
        for name in names:
            if name not in config["experiments"]:
                raise WsnasError(f"config key {key}: {name!r} is not in config key 'experiments' ({', '.join(config['experiments'])})")
    epochs_instance(config)
