"""Final retraining of the search runs' picks (config section ``retrain``; Table 5's "Retrained acc.").

Which children to retrain is known only after the searches, so the rules read the picks through a Snakemake
checkpoint (``rules/retrain.smk``) and call these functions on them. A child picked by several runs,
instances or BN modes is one retraining job per seed. A retraining whose settings make the same network
as the ground truth's run of that child and seed (``wsnas.plan.reuse.network_key``: the settings that its
weights depend on) is that run: its result is read from the ground truth, and nothing trains again. With
the defaults (the ground truth's epochs, learning rate and seeds) every retraining is a reuse; a longer
final protocol is a config change (``retrain.epochs``, ``retrain.lr``). No torch here: the Snakefile calls
these while it builds the DAG.
"""

from wsnas.core.space import CHILD_IDS
from wsnas.plan.reuse import network_key
from wsnas.plan.runs import ground_truth_config, single_path_config

RETRAIN_FOLDER = "results/retrain"


def retrain_seeds(config: dict) -> list[int]:
    """The retraining seeds (``retrain.seeds``, or the ground truth's)."""
    return list(range(config["retrain"]["seeds"] or config["ground_truth"]["seeds"]))


def retrain_config(config: dict, child: str, seed: int) -> dict:
    """Training config of child ``child`` retrained alone from scratch with seed ``seed`` (init and data
    order), the ground truth's standalone protocol with ``retrain``'s keys over it."""
    r, gt = config["retrain"], config["ground_truth"]
    return single_path_config(config, sharing={"mode": "full"}, train={
        "init_seed": int(seed), "data_seed": int(seed), "children": [child], "child_order": "sequential",
        "epochs": r["epochs"] or gt["epochs"] or config["train"]["epochs"], "lr": r["lr"] or config["train"]["lr"]})


def ground_truth_chunk(config: dict, child: str) -> int:
    return CHILD_IDS.index(child) // (len(CHILD_IDS) // config["ground_truth"]["chunks"])


def reuses_ground_truth(config: dict, child: str, seed: int) -> bool:
    """Whether retraining ``child`` with ``seed`` trains the same network as the ground truth does."""
    if int(seed) >= config["ground_truth"]["seeds"]:
        return False
    index = CHILD_IDS.index(child)
    ground_truth = ground_truth_config(config, int(seed), ground_truth_chunk(config, child))
    return network_key(retrain_config(config, child, seed), [index]) == network_key(ground_truth, [index])


def result_file(config: dict, child: str, seed: int) -> str:
    """The table (child, epoch, accuracy, loss) holding the retraining of ``child`` with ``seed``: the ground
    truth's chunk when it is the same network, the retraining job's own output otherwise."""
    if reuses_ground_truth(config, child, seed):
        return f"results/ground_truth/seed{seed}/chunk{ground_truth_chunk(config, child)}.csv"
    return f"{RETRAIN_FOLDER}/{child}/seed{seed}.csv"


def retrain_jobs(config: dict, children) -> dict[tuple[str, int], str]:
    """(child, seed) -> result file, for every distinct child of ``children`` (picks of any number of runs)
    and every retraining seed: each pair once, however many runs picked the child."""
    return {(c, s): result_file(config, c, s) for c in sorted(set(children)) for s in retrain_seeds(config)}
