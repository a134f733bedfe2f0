"""Instances of a run packed into one training job (``train.streams``): Tables 1-2's supernets and the search
runs' instances, trained by one process with their steps interleaved, each network on its own CUDA stream
on a GPU (``wsnas.training.streams``), each with the config and checkpoint folder of its own one-instance
job, so it trains, resumes and ends as it would alone. No torch here: the Snakefile calls these while it
builds the DAG.
"""

from wsnas.errors import WsnasError


def pack_size(config: dict) -> int:
    """How many instances of a run one training job trains at once: 1, one job per instance."""
    return int(config["train"].get("streams", 1))


def pack_instances(count: int, size: int, pack: int) -> range:
    """The instances that pack ``pack`` of a run of ``count`` instances holds: pK .. pK + K - 1 for
    ``size`` K, the last pack fewer."""
    return range(int(pack) * size, min((int(pack) + 1) * size, count))


def check_packs(config: dict) -> None:
    """One line naming ``train.streams`` when packs are asked for where an instance is several networks."""
    if pack_size(config) > 1 and config["sharing"]["mode"] == "group":
        raise WsnasError("config key train.streams: a pack trains one network per instance, and sharing.mode=group "
                         "trains one per group; set train.streams to 1, or sharing.mode to full")
