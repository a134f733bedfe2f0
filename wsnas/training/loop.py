"""The one training loop that drives every method (``wsnas.methods.protocol``), with per-epoch checkpoints.

The loop owns what is common to all methods: the epochs, the seeded data order (and a validation stream
for methods that ask for one), dense evaluation after each of the last ``train.dense_eval_steps``
mini-batches (Zhang et al. 2020, Sec. 3.2), statistics, and a checkpoint written atomically after every
epoch with everything needed to continue bit-identically (the method's state, the data-order and global
RNG, the dense-evaluation rows); a rerun resumes from the newest valid one.
"""

import json
import logging
import sys
import time
from pathlib import Path

import torch

from wsnas.core.space import CHILD_IDS, child_index, children_or_all
from wsnas.errors import WsnasError
from wsnas.plan.settings import PROTOCOL_VERSION, check_protocol, fingerprint, training_settings
from wsnas.training import checkpoint as ckpt
from wsnas.methods.protocol import build

log = logging.getLogger("wsnas")


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


class Loop:
    """Trains one method instance (``method.name``, or the given ``method``) over ``children`` to
    ``train.epochs``, checkpointing into ``checkpoint_dir`` (None: no checkpoints, ``run_steps`` only).

    ``evaluates``: the caller stores evaluations in the checkpoints (``run(after_epoch=...)``), so the
    evaluation settings join the fingerprint (``wsnas.plan.settings.training_settings``).
    ``start_from``: (folder, fingerprint, epoch) of another job's network that trains the same weights
    (``wsnas.plan.reuse``); with no checkpoint of its own, the loop starts from that folder's newest
    checkpoint up to ``epoch`` instead of from scratch."""

    def __init__(self, cfg: dict, data, checkpoint_dir, children=None, method=None,
                 keep_last: int | None = None, evaluates: bool = False, start_from=None):
        t = self.t = cfg["train"]
        self.cfg = cfg
        self.checkpoint_dir = None if checkpoint_dir is None else Path(checkpoint_dir)
        self.keep_last = keep_last
        if children is None:
            children = children_or_all([child_index(c) for c in t["children"]])
        self.children = list(children)
        self.method = method or build(cfg, data, self.children)
        self.ranking_data = data  # dense evaluation ranks on the whole dataset, as evaluate_subnets does
        self.data = data.split(self.method.valid_fraction) if self.method.valid_fraction else data
        self.generator = data.make_generator(t["data_seed"])
        self.valid_generator = data.make_generator(t["data_seed"] + 1) if self.method.valid_fraction else None
        self.valid_stream = None
        self.epoch = 0
        self.step = 0
        self.total_steps = self.data.steps_per_epoch(t["batch_size"]) * t["epochs"]
        self.dense_steps: list[int] = []
        self.dense_acc: list[torch.Tensor] = []
        self.dense_trained: list[int] = []
        self.history: list[dict] = []
        self.fingerprint = fingerprint(training_settings(cfg, evaluates))
        self.start_from = start_from

    # -- state ---------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        state = {
            "protocol": PROTOCOL_VERSION,
            "fingerprint": self.fingerprint,
            "method_name": self.cfg["method"]["name"],
            "epoch": self.epoch,
            "step": self.step,
            "method": self.method.state_dict(),
            "data_generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "dense_steps": torch.tensor(self.dense_steps, dtype=torch.long),
            "dense_acc": torch.stack(self.dense_acc) if self.dense_acc else torch.empty(0, len(CHILD_IDS)),
            "dense_trained": torch.tensor(self.dense_trained, dtype=torch.long),
            "history": json.dumps(self.history),
        }
        if self.valid_generator is not None:
            state["valid_generator"] = self.valid_generator.get_state()
        return state

    def load_state_dict(self, state: dict, source="checkpoint", fingerprint=None) -> None:
        """``fingerprint``: the one ``state`` must carry (default: this loop's own)."""
        check_protocol(state.get("protocol"), source)
        if state.get("fingerprint") != (fingerprint or self.fingerprint):
            raise WsnasError(
                f"{source} was written under other settings; use a new checkpoint folder or delete {self.checkpoint_dir}"
            )
        self.method.load_state_dict(ckpt.method_state(state), source)
        self.generator.set_state(state["data_generator"])
        if self.valid_generator is not None:
            self.valid_generator.set_state(state["valid_generator"])
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
            return self.start_from is not None and self.adopt(*self.start_from)
        epoch, state = found
        self.load_state_dict(state, ckpt.epoch_path(self.checkpoint_dir, epoch))
        log.info("resumed from %s (epoch %d)", ckpt.epoch_path(self.checkpoint_dir, epoch), epoch)
        return True

    def adopt(self, folder, source_fingerprint: str, epoch: int) -> bool:
        """Start from the newest valid checkpoint up to ``epoch`` of another job's network that trains the
        same weights (its epoch records come along), and never one inside this loop's dense window. False
        (train from scratch) when it has none."""
        spe = self.data.steps_per_epoch(self.t["batch_size"])
        epoch = min(epoch, (self.total_steps - self.t["dense_eval_steps"]) // spe)
        found = ckpt.newest_valid(folder, max_epoch=epoch)
        if found is None:
            log.warning("no checkpoint up to epoch %d in %s: training from scratch", epoch, folder)
            return False
        epoch, state = found
        path = ckpt.epoch_path(folder, epoch)
        self.load_state_dict(state, path, fingerprint=source_fingerprint)
        # Dense rows the other job recorded (its own window) precede this loop's window: not this loop's.
        self.dense_steps, self.dense_acc, self.dense_trained = [], [], []
        log.info("epochs 1-%d trained by another job: starting from %s", epoch, path)
        return True

    def save(self) -> Path:
        """This epoch's checkpoint; older ones lose the method's resume-only state (``Method.resume_only``),
        which the newest two keep (the previous one is the fallback of a damaged newest)."""
        path = ckpt.epoch_path(self.checkpoint_dir, self.epoch)
        ckpt.save_atomic(self.state_dict(), path)
        if self.keep_last:
            ckpt.prune(self.checkpoint_dir, self.keep_last)
        if self.method.resume_only and self.epoch > 2:
            ckpt.slim(ckpt.epoch_path(self.checkpoint_dir, self.epoch - 2), self.method.resume_only)
        return path

    # -- one epoch -----------------------------------------------------------------------------------
    def batches(self):
        """This epoch's training batches, in the order the method's batch sampler asks for."""
        return self.data.train_batches(self.generator, self.t["batch_size"], sampler=self.method.batch_sampler())

    def valid_batch(self):
        return None if self.valid_stream is None else next(self.valid_stream)

    def train_epoch(self, on_step=None) -> dict:
        """One epoch; ``on_step(loop)`` after every step (tests watch weights with it)."""
        steps = self.epoch_steps()
        while True:
            try:
                next(steps)
            except StopIteration as done:
                return done.value
            if on_step is not None:
                on_step(self)

    def epoch_steps(self):
        """One epoch as a generator that yields after every step and returns the epoch's record, so that
        a driver can interleave several loops' steps (``wsnas.training.streams``)."""
        self.start_epoch()
        progress = Progress(self.data.steps_per_epoch(self.t["batch_size"]), f"epoch {self.epoch + 1}/{self.t['epochs']}")
        for i, batch in enumerate(self.batches()):
            self.record(self.method.step(batch, self.valid_batch()))
            self.dense_eval()
            progress.update(i + 1)
            yield
        return self.end_epoch()

    def start_epoch(self) -> None:
        if self.valid_generator is not None:  # a fresh pass every epoch: a checkpoint needs only the RNG state
            self.valid_stream = self.data.valid_batches(self.valid_generator, self.t["batch_size"])
        self._record = {"epoch": self.epoch + 1, **self.method.new_epoch(self.epoch)}
        self._loss_sum = torch.zeros((), device=self.data.device)
        self._correct = torch.zeros((), device=self.data.device)
        self._seen = 0
        self._start = time.perf_counter()

    def record(self, result) -> None:
        """Statistics of one step (its result is detached)."""
        self.step += 1
        self._last_child = result.child
        self._loss_sum += result.loss.float() * len(result.y)
        self._correct += (result.logits.argmax(1) == result.y).sum()
        self._seen += len(result.y)

    def end_epoch(self) -> dict:
        elapsed = time.perf_counter() - self._start
        self.epoch += 1
        record = {**self._record, "train_loss": float(self._loss_sum) / self._seen,
                  "train_acc": float(self._correct) / self._seen, "images_per_s": self._seen / elapsed,
                  **self.method.end_epoch()}
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
            record["epoch"], self.t["epochs"], record.get("lr", float("nan")), record["train_loss"],
            record["train_acc"], record["images_per_s"], path.name,
        )

    def dense_eval(self) -> None:
        """After each of the last ``train.dense_eval_steps`` mini-batches: the score of this loop's
        children (NaN for children it does not train, e.g. other groups'), and which child was trained."""
        n = self.t["dense_eval_steps"]
        if n and self.step > self.total_steps - n:
            acc, _ = self.method.rank(self.ranking_data, self.cfg["evaluate"], self.children)
            row = torch.full((len(CHILD_IDS),), float("nan"))
            row[self.children] = acc.cpu()
            self.dense_steps.append(self.step)
            self.dense_acc.append(row)
            self.dense_trained.append(self._last_child)

    def run_steps(self, steps: int, on_step) -> "Loop":
        """``steps`` mini-batches from the current state, across epoch boundaries, ``on_step(loop)`` after
        each; no checkpoints (fine-tuning from a snapshot, Zhang et al. 2020, Sec. 3.3)."""
        while self.step < steps:
            self.start_epoch()
            for batch in self.batches():
                self.record(self.method.step(batch, self.valid_batch()))
                on_step(self)
                if self.step == steps:
                    break
            self.end_epoch()
        return self

    def run(self, after_epoch=None) -> "Loop":
        """Train until ``train.epochs``, resuming first if the checkpoint folder has a valid checkpoint."""
        for _ in self.training_steps(after_epoch):
            pass
        return self

    def training_steps(self, after_epoch=None):
        """``run`` as a generator that yields after every step (``wsnas.training.streams``)."""
        self.resume()
        while self.epoch < self.t["epochs"]:
            yield from self.epoch_steps()
            self.after_epoch(after_epoch)

    def dense_table(self):
        """Rows = global step, columns = child ids: accuracy after each of the last N mini-batches."""
        import pandas as pd

        frame = pd.DataFrame(
            torch.stack(self.dense_acc).numpy() if self.dense_acc else None, columns=list(CHILD_IDS)
        )
        frame.insert(0, "trained", [CHILD_IDS[c] for c in self.dense_trained])
        frame.insert(0, "step", self.dense_steps)
        return frame
