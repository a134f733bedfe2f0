"""The settings each job's result depends on: the one source of a training job's checkpoint fingerprint
and of every rule's ``params`` (which Snakemake compares to decide what to rerun).

A setting belongs here exactly when changing it changes a number the job writes. Settings that change
only speed or where things are (device, threads, memory format, stacking, compilation, the CIFAR-10
folder, evaluation batch size under running BN statistics) stay out, so changing them reruns nothing.
Evaluation settings count for the jobs that evaluate while they train (the ground truth after every
epoch, dense evaluation in the study runs) and for the evaluation jobs, not for plain supernet training.

``PROTOCOL_VERSION`` counts changes of the code that change what a job computes. Checkpoints record it,
and an older checkpoint is refused, never loaded into the new network.
"""

import hashlib
import json
from pathlib import Path

from wsnas.errors import WsnasError

#: 2: the authors' protocol (cell preprocessing BN without affine parameters, private copies move only
#: on their own child's steps, copies start from one initialisation, fine-tuning with a fresh optimiser).
PROTOCOL_VERSION = 2
PROTOCOL_CHANGES = {1: "cell preprocessing BN with affine parameters, before the authors' protocol"}

TRAIN_SPEED_KEYS = ("device", "threads", "channels_last", "stacked", "compile", "cuda_graphs", "streams")
DATA_LOCATION_KEYS = ("root", "verify_checksums")
#: Keys only the procedural gratings read (wsnas.data.gratings); other datasets ignore them.
GRATINGS_KEYS = ("train_images", "test_images", "frequency")
_SHARING_KEYS = {"full": (), "group": ("groups", "grouping", "grouping_seed", "copy_init"),
                 "prefix": ("prefix_cells", "copy_init"), "standalone": ("copy_init",)}


def _sorted(section: dict) -> dict:
    """A config section's keys in one order, whatever order its YAML file wrote them in: Snakemake compares
    ``params`` as text, so the same settings must read the same."""
    return dict(sorted(section.items()))


def data_settings(data: dict) -> dict:
    """The dataset and its augmentation (the prepared file is checked by checksum, not by folder); the
    gratings' own keys only for the gratings, so adding them changed no other dataset's settings."""
    ignored = DATA_LOCATION_KEYS + (() if data["name"] == "gratings" else GRATINGS_KEYS)
    return _sorted({k: v for k, v in data.items() if k not in ignored})


def sharing_settings(sharing: dict) -> dict:
    """Only the keys of the chosen sharing mode (a partition seed does not matter to full sharing)."""
    out = {"mode": sharing["mode"], **{k: sharing[k] for k in _SHARING_KEYS[sharing["mode"]]}}
    if out.get("grouping") == "similarity":
        out.pop("grouping_seed")
    return out


def train_settings(train: dict) -> dict:
    out = {k: v for k, v in train.items() if k not in TRAIN_SPEED_KEYS}
    if train["child_order"] == "sequential":
        out.pop("order_seed")
    return _sorted(out)


def evaluation_settings(evaluate: dict) -> dict:
    """BN mode and precision; the batch size only where it changes the statistics (batch, recalibrate)."""
    out = {"bn_mode": evaluate["bn_mode"], "precision": evaluate["precision"]}
    if evaluate["bn_mode"] != "running":
        out["batch_size"] = evaluate["batch_size"]
    if evaluate["bn_mode"] == "recalibrate":
        out["recalibrate_batches"] = evaluate["recalibrate_batches"]
    return out


def method_settings(method: dict) -> dict | None:
    """The method section, or None for the baseline without options (``single_path``), so that the
    fingerprints of single-path jobs stay those written before methods were selectable."""
    return None if dict(method) == {"name": "single_path"} else _sorted(method)


def training_settings(cfg: dict, evaluates: bool = False) -> dict:
    """What a training job's checkpoints and results depend on; ``evaluates``: it also stores
    evaluations (always so with ``train.dense_eval_steps``)."""
    out = {"protocol": PROTOCOL_VERSION, "data": data_settings(cfg["data"]), "model": _sorted(cfg["model"]),
           "sharing": sharing_settings(cfg["sharing"]), "train": train_settings(cfg["train"])}
    if method_settings(cfg["method"]) is not None:
        out["method"] = method_settings(cfg["method"])
    if evaluates or cfg["train"]["dense_eval_steps"]:
        out["evaluate"] = evaluation_settings(cfg["evaluate"])
    return out


def evaluate_job_settings(cfg: dict) -> dict:
    """An evaluation of checkpoints another job wrote (which the job's input already pins)."""
    return {"protocol": PROTOCOL_VERSION, "evaluate": evaluation_settings(cfg["evaluate"])}


def finetune_settings(cfg: dict, steps: int) -> dict:
    """Fine-tuning every child from a snapshot: the training schedule, the evaluation and the step count."""
    return {**training_settings(cfg, evaluates=True), "finetune_steps": steps}


def fingerprint(settings: dict) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def check_protocol(found, source) -> None:
    """Refuse, in one line, a checkpoint (its recorded protocol ``found``) written under another protocol."""
    found = 1 if found is None else int(found)
    if found == PROTOCOL_VERSION:
        return
    why = PROTOCOL_CHANGES.get(found, "a newer wsnas") if found < PROTOCOL_VERSION else "a newer wsnas"
    raise WsnasError(f"{source} was written under protocol {found} ({why}); this wsnas runs protocol {PROTOCOL_VERSION} "
                     f"and will not load it: delete it (the pipeline retrains into a new checkpoint folder)")


def checkpoint_folder(root, settings: dict) -> Path:
    """Checkpoints live under a hash of the job's settings, so a changed setting never resumes or replays
    state computed under another."""
    return Path(root) / fingerprint(settings)
