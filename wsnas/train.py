"""Supernet and standalone training (Zhang et al. 2020, Sec. 3.1 and Appendix A.1).

One child per mini-batch; SGD (momentum 0.9, weight decay 1e-3); learning rate 0.025 annealed to 0.001
by a cosine stepped per epoch. A checkpoint is written atomically after every epoch with everything
needed to continue bit-identically (weights, optimiser, sampler and data-order RNG, dense-evaluation
rows); a rerun resumes from the newest valid one.

``train.inactive_grads``: ``zero`` reproduces the authors' code (old PyTorch zeroed gradients, so every
shared weight that was ever used keeps receiving momentum and weight-decay updates while other children
train; other children's private copies stay frozen, ``WeightSharingNet.release_other_copies``); ``none``
sets gradients to None, so only the current child's weights move.

Seams for the remedies of the other seeds: a ``ChildSampler`` (PA&DA path sampling),
``TrainingHooks.loss`` (per-sample data weights) and ``TrainingHooks.after_backward`` (DI-NAS-style
per-layer gradient transforms; forward hooks registered in ``attach`` see each layer's inputs).
"""

import json
import logging
import math
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from . import checkpoint as ckpt
from .errors import WsnasError
from .evaluate import evaluate_children
from .device import compile_enabled, precision_context, set_tf32
from .model import WeightSharingNet
from .sampler import ChildSampler
from .settings import PROTOCOL_VERSION, check_protocol, fingerprint, training_settings
from .space import CHILD_IDS, child_index

log = logging.getLogger("wsnas")


def cosine_lr(epoch: int, epochs: int, lr: float, lr_min: float) -> float:
    """Cosine annealing without restart, stepped per epoch (Appendix A.1; CosineAnnealingLR closed form)."""
    return lr_min + (lr - lr_min) * (1 + math.cos(math.pi * epoch / epochs)) / 2


class TrainingHooks:
    """Extension points called by the training loop (no-ops here)."""

    def attach(self, model) -> None:
        """Called once with the model, e.g. to register forward hooks that record layer inputs."""

    def loss(self, logits, y, child: int, step: int):
        """The training loss of a mini-batch; override to weight samples (PA&DA's data sampling)."""
        return F.cross_entropy(logits, y)

    def after_backward(self, model, child: int, step: int) -> None:
        """Called between ``backward()`` and ``optimizer.step()``, e.g. to transform gradients."""


class Progress:
    """A carriage-return progress bar on a terminal, silent otherwise."""

    def __init__(self, total: int, label: str):
        self.total, self.label = total, label
        self.enabled = sys.stderr.isatty()

    def update(self, done: int) -> None:
        if self.enabled and (done % 5 == 0 or done == self.total):
            width = 30
            filled = width * done // self.total
            sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}")
            if done == self.total:
                sys.stderr.write("\r" + " " * (len(self.label) + width + 20) + "\r")
            sys.stderr.flush()


class Trainer:
    """Trains a ``WeightSharingNet`` one sampled child per mini-batch, with per-epoch checkpoints.

    ``evaluates``: the caller stores evaluations in the checkpoints (``run(after_epoch=...)``), so the
    evaluation settings join the fingerprint (``wsnas.settings.training_settings``)."""

    def __init__(self, cfg: dict, data, checkpoint_dir, children=None, hooks: TrainingHooks | None = None,
                 sampler=None, keep_last: int | None = None, evaluates: bool = False):
        t = cfg["train"]
        self.cfg, self.data, self.t = cfg, data, t
        self.checkpoint_dir = Path(checkpoint_dir)
        self.keep_last = keep_last
        if children is None:
            children = [child_index(c) for c in t["children"]] or list(range(len(CHILD_IDS)))
        self.children = list(children)
        self.device = data.device
        self.memory_format = data.memory_format
        set_tf32(t["precision"], self.device)
        torch.manual_seed(t["init_seed"])
        self.model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=data.classes)
        self.model.to(self.device, memory_format=self.memory_format)
        if compile_enabled(t["compile"]):
            self.model.compile_parts()
        self.optimizer = torch.optim.SGD(
            self.model.parameters(), lr=t["lr"], momentum=t["momentum"], weight_decay=t["weight_decay"]
        )
        self.sampler = sampler or ChildSampler(self.children, t["child_order"], t["order_seed"])
        self.generator = data.make_generator(t["data_seed"])
        self.hooks = hooks or TrainingHooks()
        self.hooks.attach(self.model)
        self.epoch = 0
        self.step = 0
        self.steps_per_epoch = data.steps_per_epoch(t["batch_size"])
        self.total_steps = self.steps_per_epoch * t["epochs"]
        self.dense_steps: list[int] = []
        self.dense_acc: list[torch.Tensor] = []
        self.dense_trained: list[int] = []
        self.history: list[dict] = []
        self.fingerprint = fingerprint(training_settings(cfg, evaluates))

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "protocol": PROTOCOL_VERSION,
            "fingerprint": self.fingerprint,
            "epoch": self.epoch,
            "step": self.step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "sampler": self.sampler.state_dict(),
            "data_generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "dense_steps": torch.tensor(self.dense_steps, dtype=torch.long),
            "dense_acc": torch.stack(self.dense_acc) if self.dense_acc else torch.empty(0, len(CHILD_IDS)),
            "dense_trained": torch.tensor(self.dense_trained, dtype=torch.long),
            "history": json.dumps(self.history),
        }

    def load_state_dict(self, state: dict, source="checkpoint") -> None:
        check_protocol(state.get("protocol"), source)
        if state.get("fingerprint") != self.fingerprint:
            raise WsnasError(
                f"{source} was written under other settings; use a new checkpoint folder or delete {self.checkpoint_dir}"
            )
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.t["inactive_grads"] == "zero":
            # Old PyTorch kept a zeroed .grad on every weight used so far: those weights keep receiving
            # momentum and weight-decay updates. Restore that set (it is the set with optimiser state).
            for p in self.model.parameters():
                if p in self.optimizer.state:
                    p.grad = torch.zeros_like(p)
            self.model.gradients_restored()
        self.sampler.load_state_dict(state["sampler"])
        self.generator.set_state(state["data_generator"])
        torch.set_rng_state(state["torch_rng"])
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.dense_steps = state["dense_steps"].tolist()
        self.dense_acc = list(state["dense_acc"])
        self.dense_trained = state.get("dense_trained", torch.empty(0, dtype=torch.long)).tolist()
        self.history = json.loads(state["history"])

    def resume(self) -> bool:
        """Load the newest valid checkpoint of the folder, if any."""
        found = ckpt.newest_valid(self.checkpoint_dir)
        if found is None:
            return False
        epoch, state = found
        self.load_state_dict(state, ckpt.epoch_path(self.checkpoint_dir, epoch))
        log.info("resumed from %s (epoch %d)", ckpt.epoch_path(self.checkpoint_dir, epoch), epoch)
        return True

    def save(self) -> Path:
        path = ckpt.epoch_path(self.checkpoint_dir, self.epoch)
        ckpt.save_atomic(self.state_dict(), path)
        if self.keep_last:
            ckpt.prune(self.checkpoint_dir, self.keep_last)
        return path

    # -- training ------------------------------------------------------------------------------------
    def train_epoch(self, on_step=None) -> dict:
        progress = Progress(self.steps_per_epoch, f"epoch {self.epoch + 1}/{self.t['epochs']}")
        self.start_epoch()
        for i, (x, y) in enumerate(self.data.train_batches(self.generator, self.t["batch_size"])):
            child = self.sampler.next()
            self.zero_grad(child)
            with self.autocast():
                logits = self.model(x, child)
                loss = self.hooks.loss(logits, y, child, self.step)
            loss.backward()
            self.finish_step(child, loss, logits, y)
            if on_step is not None:
                on_step(self)
            progress.update(i + 1)
        return self.end_epoch()

    # The parts of an epoch, shared with lockstep training of several trainers (wsnas.stacked).
    @property
    def set_to_none(self) -> bool:
        return self.t["inactive_grads"] == "none"

    def zero_grad(self, child: int) -> None:
        """Before ``child``'s step: zero the gradients (``inactive_grads``), then free the private
        copies of other children from the optimiser (``WeightSharingNet.release_other_copies``)."""
        self.optimizer.zero_grad(set_to_none=self.set_to_none)
        self.model.release_other_copies(child)

    def autocast(self):
        return precision_context(self.t["precision"], self.device)

    def start_epoch(self) -> None:
        t = self.t
        self._lr = cosine_lr(self.epoch, t["epochs"], t["lr"], t["lr_min"])
        for group in self.optimizer.param_groups:
            group["lr"] = self._lr
        self.model.train()
        self._loss_sum = torch.zeros((), device=self.device)
        self._correct = torch.zeros((), device=self.device)
        self._seen = 0
        self._start = time.perf_counter()

    def finish_step(self, child: int, loss, logits, y) -> None:
        """Everything after ``loss.backward()``: gradient hook, optimiser step, sampler and statistics."""
        self.hooks.after_backward(self.model, child, self.step)
        self.optimizer.step()
        self.step += 1
        self.sampler.observe(child, loss.detach())
        self._last_child = child
        self._loss_sum += loss.detach().float() * len(y)
        self._correct += (logits.detach().argmax(1) == y).sum()
        self._seen += len(y)

    def end_epoch(self) -> dict:
        elapsed = time.perf_counter() - self._start
        self.epoch += 1
        record = {
            "epoch": self.epoch,
            "lr": self._lr,
            "train_loss": float(self._loss_sum) / self._seen,
            "train_acc": float(self._correct) / self._seen,
            "images_per_s": self._seen / elapsed,
        }
        self.history.append(record)
        return record

    def after_epoch(self, callback=None) -> None:
        """Per-epoch callback (its dict joins the epoch's record), checkpoint and log line."""
        record = self.history[-1]
        if callback is not None:
            record.update(callback(self) or {})
        path = self.save()
        log.info(
            "epoch %d/%d lr %.5f train loss %.4f acc %.4f %.0f img/s -> %s",
            record["epoch"], self.t["epochs"], record["lr"], record["train_loss"], record["train_acc"],
            record["images_per_s"], path.name,
        )

    def _dense_eval(self, _trainer) -> None:
        """After each of the last ``train.dense_eval_steps`` mini-batches: the accuracy of this trainer's
        children (NaN for children it does not train, e.g. other groups'), and which child was trained."""
        n = self.t["dense_eval_steps"]
        if n and self.step > self.total_steps - n:
            acc, _ = evaluate_children(self.model, self.data, self.cfg["evaluate"], self.children)
            self.model.train()
            row = torch.full((len(CHILD_IDS),), float("nan"))
            row[self.children] = acc
            self.dense_steps.append(self.step)
            self.dense_acc.append(row)
            self.dense_trained.append(self._last_child)

    def run(self, after_epoch=None) -> "Trainer":
        """Train until ``train.epochs``, resuming first if the checkpoint folder has a valid checkpoint."""
        self.resume()
        while self.epoch < self.t["epochs"]:
            self.train_epoch(on_step=self._dense_eval)
            self.after_epoch(after_epoch)
        return self

    def dense_table(self):
        """Rows = global step, columns = child ids: accuracy after each of the last N mini-batches."""
        import pandas as pd

        frame = pd.DataFrame(
            torch.stack(self.dense_acc).numpy() if self.dense_acc else None, columns=list(CHILD_IDS)
        )
        frame.insert(0, "trained", [CHILD_IDS[c] for c in self.dense_trained])
        frame.insert(0, "step", self.dense_steps)
        return frame


def train_supernet(cfg: dict, data, checkpoint_dir, hooks=None) -> Trainer:
    """Train one supernet instance (all children, or ``train.children``) to ``train.epochs``."""
    if cfg["sharing"]["mode"] == "group":
        raise WsnasError("config key sharing.mode=group: the paper trains each group as its own network for the full "
                         "schedule; use wsnas.study_training.train_groups (python -m wsnas train-supernet does)")
    return Trainer(cfg, data, checkpoint_dir, hooks=hooks).run()


def train_standalone(cfg: dict, data, checkpoint_dir, children=None, stack: int = 1):
    """Ground truth: train each child alone from scratch with the same schedule (seed 002, Sec. 3.1),
    evaluating it after every epoch. Returns a long table (child, epoch, accuracy, loss).

    Each child has its own checkpoint folder ``<checkpoint_dir>/<child>``; the two newest epochs are kept.
    With ``train.stacked`` on (default on CUDA), ``stack`` children at a time train as one batched
    computation (``wsnas.stacked``); the results are the same to float tolerance.
    """
    import pandas as pd

    from .config import merged
    from .device import stacked_enabled
    from .stacked import run_trainers

    children = [child_index(c) for c in cfg["train"]["children"]] if children is None else list(children)
    children = children or list(range(len(CHILD_IDS)))
    solo = merged(cfg, sharing={"mode": "full"})
    stacked = stacked_enabled(cfg["train"]["stacked"], data.device)
    k = stack if stacked else 1

    def evaluate_child(tr):
        acc, loss = evaluate_children(tr.model, data, cfg["evaluate"], tr.children)
        return {"accuracy": float(acc[0]), "loss": float(loss[0])}

    rows = []
    for start in range(0, len(children), k):
        trainers = [Trainer(solo, data, Path(checkpoint_dir) / CHILD_IDS[c], children=[c], keep_last=2, evaluates=True)
                    for c in children[start:start + k]]
        if len(trainers) > 1:
            log.info("training children %s together (stacked)", " ".join(CHILD_IDS[c] for c in children[start:start + k]))
        run_trainers(trainers, stacked, after_epoch=evaluate_child)
        for trainer in trainers:
            child = CHILD_IDS[trainer.children[0]]
            for record in trainer.history:
                rows.append({"child": child, "epoch": record["epoch"],
                             "accuracy": record["accuracy"], "loss": record["loss"]})
            log.info("child %s: accuracy %.4f after %d epochs", child, rows[-1]["accuracy"], trainer.epoch)
    return pd.DataFrame(rows)
