"""Train nothing twice: a study run's network whose training another job already does starts from that
job's checkpoint and trains only the steps its dense evaluation needs.

In the authors' setup the m = 64 group runs *are* the ground truth (64 networks, one child each, the
same seed per instance), and the m = 1 group runs and the sequential dense run are the share-all
supernets of "Different seeds" (Zhang et al. 2020, Sec. 3.2, 4.2; the authors' ``search.py``). A network
is identified by what its weights depend on: its job's settings (``wsnas.plan.settings``) with the
children it trains and without what it evaluates (dense steps, evaluation settings), sharing taken as a
single network's. Two networks with the same key train the same weights step for step, so a study
network whose key a supernet or ground-truth network has resumes from that network's newest checkpoint
before its dense steps begin, and its results equal training it from scratch (``tests/test_reuse.py``).
A changed setting changes the key, and the study trains from scratch again.

Torch-free: the Snakefile calls it while it builds the DAG, and ``wsnas.plan.cost`` counts with it.
"""

import json
from dataclasses import dataclass

from wsnas.config import merged
from wsnas.core.sharing import group_members
from wsnas.core.space import CHILD_IDS, child_index, children_or_all
from wsnas.data.sizes import split_sizes
from wsnas.plan.runs import ground_truth_config, run_config
from wsnas.plan.settings import checkpoint_folder, fingerprint, training_settings
from wsnas.plan.studies import study_config, study_runs

#: The newest checkpoints a ground-truth child keeps (``wsnas.training.drivers.train_standalone`` prunes to
#: them), so a study can start from the second newest.
GROUND_TRUTH_KEEPS = 2


@dataclass(frozen=True)
class Source:
    """A network another job trains: its checkpoint folder, the fingerprint its checkpoints carry, the
    job's output (which the study waits for) and the epochs whose checkpoints it keeps (None: all)."""

    folder: str
    fingerprint: str
    output: str
    epochs: int
    keeps: int | None = None


@dataclass(frozen=True)
class Reuse:
    """One study network (``network``: its sub-folder, "" for a single network) and where it starts."""

    network: str
    source: Source
    start_epoch: int


def network_key(cfg: dict, children) -> str:
    """What one network's weights depend on: the job's training settings with ``children`` as the
    children it trains, and nothing of what it evaluates."""
    ids = [CHILD_IDS[c] for c in children_or_all(children)]
    net = merged(cfg, train={"children": ids, "dense_eval_steps": 0})
    return fingerprint(training_settings(net, evaluates=False))


def steps_per_epoch(cfg: dict) -> int:
    return -(-split_sizes(cfg["data"])[0] // cfg["train"]["batch_size"])


def checkpoint_root(folder: str, settings: dict) -> str:
    """The checkpoint folder the rule gives that job (``rules/common.smk``, ``training_params``)."""
    return str(checkpoint_folder(f"results/checkpoints/{folder}", settings))


_TRAINED: dict[str, dict] = {}  # config (as JSON) -> trained_networks: the cost model asks once per job


def trained_networks(config: dict) -> dict[str, Source]:
    """Network key -> the first supernet or ground-truth network that trains it."""
    text = json.dumps(config, sort_keys=True, default=str)
    if text not in _TRAINED:
        _TRAINED[text] = _trained_networks(config)
    return _TRAINED[text]


def _trained_networks(config: dict) -> dict[str, Source]:
    found: dict[str, Source] = {}
    for experiment, exp in config["experiments"].items():
        for instance in range(exp["instances"]):
            cfg = run_config(config, experiment, instance)
            if cfg["sharing"]["mode"] == "group":
                continue  # trained as one network per group (python -m wsnas only), not a pipeline source
            settings = training_settings(cfg)
            found.setdefault(network_key(cfg, [child_index(c) for c in cfg["train"]["children"]]), Source(
                checkpoint_root(f"supernet/{experiment}/{instance}", settings), fingerprint(settings),
                f"results/supernet/{experiment}/{instance}/manifest.json", cfg["train"]["epochs"]))
    gt = config["ground_truth"]
    for seed in range(gt["seeds"]):
        for chunk in range(gt["chunks"]):
            cfg = ground_truth_config(config, seed, chunk)
            settings = training_settings(cfg, evaluates=True)
            root = checkpoint_root(f"ground_truth/seed{seed}", settings)
            for child in cfg["train"]["children"]:
                found.setdefault(network_key(cfg, [child_index(child)]), Source(
                    f"{root}/{child}", fingerprint(settings), f"results/ground_truth/seed{seed}/chunk{chunk}.csv",
                    cfg["train"]["epochs"], GROUND_TRUTH_KEEPS))
    return found


def study_networks(cfg: dict) -> list[tuple[str, dict, list[int]]]:
    """(sub-folder, network config, children) of each network a study instance trains, as
    ``wsnas.training.drivers.train_study_run`` builds them."""
    if cfg["sharing"]["mode"] == "group":
        solo = merged(cfg, sharing={"mode": "full"})
        return [(f"group{g:02d}", solo, members) for g, members in enumerate(group_members(cfg["sharing"]))]
    return [("", cfg, children_or_all([child_index(c) for c in cfg["train"]["children"]]))]


def first_dense_epoch(cfg: dict) -> int:
    """The newest epoch whose checkpoint precedes every dense step (steps after total - N are evaluated)."""
    spe = steps_per_epoch(cfg)
    return (spe * cfg["train"]["epochs"] - cfg["train"]["dense_eval_steps"]) // spe


def study_reuse(config: dict, run: str, instance: int, trained: dict | None = None) -> list[Reuse]:
    """The networks of one study instance that start from another job's checkpoint."""
    cfg = study_config(config, run, instance)
    trained = trained_networks(config) if trained is None else trained
    start = first_dense_epoch(cfg)
    out = []
    for network, net_cfg, children in study_networks(cfg):
        source = trained.get(network_key(net_cfg, children))
        if source is None or start < 1:
            continue
        if source.keeps is not None and start <= source.epochs - source.keeps:
            continue  # the checkpoint it would start from is no longer kept
        out.append(Reuse(network, source, start))
    return out


def all_reuse(config: dict) -> dict[tuple[str, int], list[Reuse]]:
    """(run, instance) -> its reused networks, for every study instance the configuration asks for."""
    trained = trained_networks(config)
    return {(run, i): study_reuse(config, run, i, trained)
            for run, spec in study_runs(config).items() for i in range(spec["instances"])}
