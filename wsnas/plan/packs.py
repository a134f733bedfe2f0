"""Instances of a run packed into one training job (``train.streams``): Tables 1-2's supernets and the search
runs' instances, trained by one process with their steps interleaved, each network on its own CUDA stream
on a GPU (``wsnas.training.streams``), each with the config and checkpoint folder of its own one-instance
job, so it trains, resumes and ends as it would alone. That holds because no training step draws from the
process-wide random generators, which the instances of a pack share (every draw uses a generator of the
method's or the data's own; tests/test_streams.py checks a pack against its instances' own jobs). No torch
here: the Snakefile calls these while it builds the DAG.
"""

#: The files of one instance's training, as its own job writes them and a pack's folder holds them.
INSTANCE_FILES = {"manifest": "manifest.json", "dense": "dense.csv", "history": "epochs.csv"}
#: In a pack's folder beside each instance's files: its share of the pack's training seconds.
COST_FILE = "cost.json"


def pack_size(config: dict) -> int:
    """How many instances of a run one training job trains at once: 1, one job per instance."""
    return int(config["train"].get("streams", 1))


def pack_of(instance, size: int) -> int:
    """The pack that holds instance ``instance`` when packs hold ``size`` instances."""
    return int(instance) // size


def pack_instances(count: int, size: int, pack: int) -> range:
    """The instances that pack ``pack`` of a run of ``count`` instances holds: pK .. pK + K - 1 for
    ``size`` K, the last pack fewer."""
    return range(int(pack) * size, min((int(pack) + 1) * size, count))


def share_seconds(history: list, images_per_epoch: int) -> float:
    """An instance's share of its packs' training seconds, from its epoch records (which its checkpoints
    keep, so a resumed or repacked instance keeps the times of the epochs it trained before): each epoch's
    wall seconds (``images_per_s``; an interleaved instance's epoch spans its whole pack's steps) over the
    size of the pack it trained in (``pack_size``; 1 for an epoch trained in a job of its own)."""
    return sum(images_per_epoch / record["images_per_s"] / record.get("pack_size", 1) for record in history)
