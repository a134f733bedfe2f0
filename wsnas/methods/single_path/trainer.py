"""Single-path supernet training, the paper's baseline (Zhang et al. 2020, Sec. 3.1 and Appendix A.1).

One child per mini-batch, chosen by a ``wsnas.methods.child_order.ChildSampler``; SGD (momentum 0.9,
weight decay 1e-3); the learning rate annealed by a cosine stepped per epoch. The same method trains full,
group, prefix and standalone sharing, each child of the ground truth alone, and the fine-tuning of Figure 4.

``train.inactive_grads``: ``zero`` reproduces the authors' code (old PyTorch zeroed gradients, so every
shared weight that was ever used keeps receiving momentum and weight-decay updates while other children
train; other children's private copies stay frozen, ``WeightSharingNet.release_other_copies``); ``none``
sets gradients to None, so only the current child's weights move.

A remedy that changes only part of a step subclasses this and overrides ``loss`` (per-sample weights) or
``after_backward`` (gradient transforms between ``backward()`` and the optimiser step); a method that
overrides neither, nor ``step``, has its steps captured as CUDA graphs on a GPU (``train.cuda_graphs``,
``wsnas.training.graphs``).
"""

import torch
import torch.nn.functional as F

from wsnas.core.model import build_model
from wsnas.errors import WsnasError
from wsnas.methods.child_order import ChildSampler
from wsnas.methods.protocol import Method, StepResult, seeded_network, sgd
from wsnas.methods.single_path import DECLARATION
from wsnas.training.device import compile_enabled, precision_context
from wsnas.training.evaluate import evaluate_children
from wsnas.training.graphs import StepGraphs, graphs_enabled
from wsnas.training.schedule import cosine_lr


class SinglePath(Method):
    """``sampler``: a child order other than ``train.child_order`` (anything with ``next``, ``observe``,
    ``state_dict``, ``load_state_dict``)."""

    DECLARATION = DECLARATION
    stackable = True

    def __init__(self, cfg: dict, data, children, sampler=None):
        super().__init__(cfg, data, children)
        t = self.t = cfg["train"]
        self.device = data.device
        self.model = seeded_network(cfg, data, self.build_network)
        self.optimizer = sgd(self.model.parameters(), t)
        self.sampler = sampler or ChildSampler(self.children, t["child_order"], t["order_seed"])
        self.lr = t["lr"]
        self.graphs = (StepGraphs(self) if graphs_enabled(t.get("cuda_graphs", "auto"), self.device)
                       and not compile_enabled(t["compile"]) and self.capturable() else None)

    # -- the protocol ---------------------------------------------------------------------------------
    def new_epoch(self, epoch: int) -> dict:
        t = self.t
        self.set_lr(cosine_lr(epoch, t["epochs"], t["lr"], t["lr_min"]))
        self.model.train()
        return {"lr": self.lr}

    def step(self, batch, valid=None) -> StepResult:
        child = self.sampler.next()
        replayed = None if self.graphs is None else self.graphs.replay(child, batch)
        if replayed is None:
            self.prepare_gradients(child)
            with self.autocast():
                logits = self.model(batch.x, child)
                loss = self.loss(logits, batch, child)
            loss.backward()
            self.after_backward(child)
            self.optimizer.step()
        else:
            loss, logits = replayed
        self.sampler.observe(child, loss.detach())
        return StepResult(child, loss.detach(), logits.detach(), batch.y)

    def state_dict(self) -> dict:
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "sampler": self.sampler.state_dict()}

    def load_state_dict(self, state: dict, source) -> None:
        self.load_weights(state, source)
        if "optimizer" not in state or "sampler" not in state:
            raise WsnasError(f"checkpoint {source} holds no single-path training state; pass the config it was "
                             "trained with (config key method.name)")
        self.optimizer.load_state_dict(state["optimizer"])
        if self.t["inactive_grads"] == "zero":
            # Old PyTorch kept a zeroed .grad on every weight used so far: those weights keep receiving
            # momentum and weight-decay updates. Restore that set (it is the set with optimiser state).
            for p in self.model.parameters():
                if p in self.optimizer.state:
                    p.grad = torch.zeros_like(p)
            self.model.gradients_restored()
        self.sampler.load_state_dict(state["sampler"])

    def rank(self, data, eval_cfg: dict, children=None):
        """Inherited-weight accuracy (and loss) of each child under ``evaluate.bn_mode``."""
        return evaluate_children(self.model, data, eval_cfg, children)

    # -- the parts of a step, shared with stacked execution (wsnas.training.stacked) ---------------------
    def begin_step(self) -> int:
        """Choose the step's child and prepare the gradients for it (``prepare_gradients``)."""
        child = self.sampler.next()
        self.prepare_gradients(child)
        return child

    def prepare_gradients(self, child: int) -> None:
        """Zero the gradients (``inactive_grads``), then free the private copies of other children from
        the optimiser (``WeightSharingNet.release_other_copies``).

        With ``zero``, the child's own weights start the step without a gradient: backward hands them its
        gradient tensors instead of adding them to zeros (one kernel less per weight; the same values),
        while every other weight used so far keeps its zeroed gradient; once CUDA graphs hold the
        gradients, they keep their tensors and are zeroed like the others."""
        zero = self.t["inactive_grads"] == "zero"
        self.optimizer.zero_grad(set_to_none=not zero)
        self.model.release_other_copies(child)
        if zero and not (self.graphs is not None and self.graphs.static_gradients):
            for p in self.model.trained_parameters(child):
                p.grad = None

    def loss(self, logits, batch, child: int):
        """The training loss of a mini-batch; override to weight samples by ``batch.index``."""
        return F.cross_entropy(logits, batch.y)

    def after_backward(self, child: int) -> None:
        """Between ``backward()`` and the optimiser step; override to transform gradients."""

    def end_step(self, child: int, loss) -> None:
        self.after_backward(child)
        self.optimizer.step()
        self.sampler.observe(child, loss.detach())

    # -- helpers ----------------------------------------------------------------------------------------
    def build_network(self, cfg: dict, data):
        """The network this method trains (a method with another network, DCNAS's copies, overrides it)."""
        return build_model(cfg, data)

    def capturable(self) -> bool:
        """Whether CUDA graphs can hold this method's steps: single path's step, loss and gradient hooks
        unchanged, on a network without private copies (whose gradients the optimiser frees per child)."""
        cls = type(self)
        return (cls.step is SinglePath.step and cls.loss is SinglePath.loss
                and cls.after_backward is SinglePath.after_backward and not self.model.has_private_copies)

    def autocast(self, cache: bool = True):
        return precision_context(self.t["precision"], self.device, cache)

    def set_lr(self, lr: float) -> None:
        self.lr = lr
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def load_weights(self, state: dict, source) -> None:
        """The network's weights and BN statistics from a method state (a supernet snapshot)."""
        try:
            self.model.load_state_dict(state["model"])
        except (KeyError, RuntimeError):
            raise WsnasError(f"checkpoint {source} does not match config sections model/sharing; "
                             "pass the config it was trained with") from None
