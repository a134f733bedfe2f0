"""Atomic checkpoint files and resuming from the newest valid one.

A checkpoint is written to a temporary file in the same folder, flushed to disk, then renamed over the
target, so a kill or a failed write never leaves a half file under a checkpoint's name. Loading uses
``torch.load(weights_only=True)``: tensors and plain containers only, never pickled objects.
"""

import logging
import os
import re
from pathlib import Path

import torch

from wsnas.errors import WsnasError
from wsnas.plan.settings import check_protocol

log = logging.getLogger("wsnas")
EPOCH_FILE = re.compile(r"^epoch_(\d{4,})\.pt$")


class CorruptCheckpointError(WsnasError):
    """A checkpoint file that is truncated, corrupt or carries pickled objects."""


def save_atomic(obj, path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        tmp.unlink(missing_ok=True)
        cause = _os_error(e)
        if cause is not None:  # torch.save re-raises a failed write as a RuntimeError; find the OS error
            raise WsnasError(f"could not write {path} ({cause.strerror or cause}); free disk space and rerun, earlier files are intact") from None
        raise


def _os_error(error):
    while error is not None:
        if isinstance(error, OSError):
            return error
        error = error.__cause__ or error.__context__
    return None


def load_checkpoint(path, what: str = "checkpoint"):
    """Load ``path`` on the CPU with ``weights_only=True``; a bad file raises ``CorruptCheckpointError``."""
    path = Path(path)
    if not path.is_file():
        raise WsnasError(f"{what} {path} does not exist; rerun the step that writes it")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises several types for damaged files
        text = str(e)
        if "Weights only load failed" in text or "weights_only" in text:
            reason = "it carries pickled Python objects, refused by weights_only=True"
        else:
            reason = f"truncated or corrupt: {text.splitlines()[0][:120] if text else type(e).__name__}"
        raise CorruptCheckpointError(f"{what} {path} cannot be used ({reason}); delete it to recompute it") from None


def epoch_path(folder, epoch: int) -> Path:
    return Path(folder) / f"epoch_{epoch:04d}.pt"


def epoch_files(folder) -> dict[int, Path]:
    """Checkpoint files of a folder by epoch (epochs completed)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    found = {}
    for p in folder.iterdir():
        m = EPOCH_FILE.match(p.name)
        if m:
            found[int(m.group(1))] = p
    return dict(sorted(found.items()))


def newest_valid(folder, max_epoch: int | None = None):
    """(epoch, state) of the newest checkpoint (up to ``max_epoch``) that loads, or None; bad ones are
    reported and skipped."""
    for epoch, path in sorted(epoch_files(folder).items(), reverse=True):
        if max_epoch is not None and epoch > max_epoch:
            continue
        try:
            return epoch, load_checkpoint(path)
        except CorruptCheckpointError as e:
            log.warning("skipping %s", e)
    return None


def prune(folder, keep_last: int) -> None:
    """Delete all but the newest ``keep_last`` epoch checkpoints (the previous one stays as a fallback)."""
    files = list(epoch_files(folder).values())
    for path in files[:-keep_last]:
        path.unlink(missing_ok=True)


def slim(path, keys) -> None:
    """Rewrite the checkpoint ``path`` without the method-state entries ``keys`` (state only a resume needs,
    ``Method.resume_only``), atomically; a missing or damaged file is left alone."""
    try:
        state = load_checkpoint(path)
    except WsnasError:
        return
    method = state.get("method", {})
    if any(key in method for key in keys):
        state["method"] = {k: v for k, v in method.items() if k not in keys}
        save_atomic(state, path)


def method_name(state: dict) -> str:
    """The method that wrote a training checkpoint (before methods were selectable: single path)."""
    return state.get("method_name", "single_path")


def method_state(state: dict) -> dict:
    """The method's part of a training checkpoint; checkpoints written before the method seam kept the
    single-path state (model, optimiser, child sampler) at the top level."""
    if "method" in state:
        return state["method"]
    return {key: state[key] for key in ("model", "optimizer", "sampler") if key in state}


def checked_method_state(state: dict, source, method: str, why: str) -> dict:
    """The method part of a checkpoint that ``method`` must have written under this protocol; refused in
    one line otherwise (``why``: what to do instead)."""
    check_protocol(state.get("protocol"), f"checkpoint {source}")
    if method_name(state) != method:
        raise WsnasError(f"checkpoint {source} was written by method {method_name(state)!r}, {why}")
    return method_state(state)
