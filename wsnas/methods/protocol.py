"""The one protocol every supernet-training method implements (an abstract base class), the network every
method starts from, and the builder that turns config key ``method.name`` into a method.

A method (NASLib's ``MetaOptimizer`` is the model) owns its network(s), optimiser(s) and whatever it
learns; ``wsnas.training.loop.Loop`` owns epochs, data order, dense evaluation and checkpoints, and drives
any method the same way:

    method = build(cfg, data, children)
    for each epoch:  record = method.new_epoch(epoch)
                     for batch in data (method.batch_sampler() decides which samples):
                         result = method.step(batch, valid_batch or None)
                     record |= method.end_epoch()
    checkpoint: method.state_dict()          ranking: method.rank(...), choice: method.pick(scores)

Types: ``data`` is a ``wsnas.data.device_data.DeviceData`` (the whole dataset on the device as tensors, with
its ``train_y``, ``device`` and batching); a batch is a ``wsnas.data.device_data.Batch(x, y, index)``:
augmented, normalised images, their labels and their indices into the training set. Inside ``step`` a method
is free: several forward/backward passes, forward hooks that record layer inputs, gradient transforms before
its optimiser steps. ``valid_fraction > 0`` asks the loop for a validation split carved from the training
set (``DeviceData.split``) and a batch of it in every step. ``stackable = True`` declares that several
instances may run as one batched computation (``wsnas.training.stacked``, through ``begin_step``/``loss``/
``end_step``); the loop refuses to stack a method that does not declare it.

A method is declared once, in its package (``wsnas.methods``): the trainer class's ``DECLARATION`` gives
its options; a class used directly as ``module:Class`` may give ``OPTIONS`` and ``CHOICES`` instead. The
method's settings (the whole ``method`` section) join every training job's settings and checkpoint
fingerprint (``wsnas.plan.settings``), so two methods never share a folder.
"""

from abc import ABC, abstractmethod
from typing import NamedTuple

import torch

from wsnas.core.model import build_model
from wsnas.errors import WsnasError
from wsnas.methods import method_target, resolved, unknown_method
from wsnas.methods.declaration import Declaration
from wsnas.training.device import compile_enabled, set_tf32

class StepResult(NamedTuple):
    """What the loop needs from one step for its statistics (all detached)."""

    child: int
    loss: torch.Tensor
    logits: torch.Tensor
    y: torch.Tensor


class Method(ABC):
    """Base class of the protocol. ``children``: indices into ``wsnas.core.space.CHILD_IDS``;
    ``DECLARATION``: the method's declaration (its options and their defaults, as ``self.options``), or, for
    a class used directly as ``module:Class``, ``OPTIONS`` and ``CHOICES``."""

    DECLARATION: Declaration | None = None
    OPTIONS: dict = {}
    CHOICES: dict = {}
    valid_fraction: float = 0.0
    stackable: bool = False
    #: Keys of ``state_dict()`` that only resuming training needs, not evaluation; the loop drops them from
    #: all but the newest two checkpoints (large per-child state, e.g. DI-NAS's ``exclude_self``).
    resume_only: tuple = ()

    def __init__(self, cfg: dict, data, children: list[int]):
        self.cfg, self.children = cfg, list(children)
        self.options = self.options_of(cfg)

    @classmethod
    def declaration(cls) -> Declaration:
        return cls.DECLARATION or Declaration(cls.__name__, f"{cls.__module__}:{cls.__qualname__}", "",
                                              options=cls.OPTIONS, choices=cls.CHOICES)

    @classmethod
    def options_of(cls, cfg: dict) -> dict:
        """The declared options with config section ``method``'s values over them, checked
        (``Declaration.checked_options``: one line naming the key otherwise)."""
        return cls.declaration().checked_options(cfg["method"])

    def new_epoch(self, epoch: int) -> dict:
        """Before epoch ``epoch`` (0-based): schedules, train mode. Returns entries of the epoch's record."""
        return {}

    @abstractmethod
    def step(self, batch, valid=None) -> StepResult:
        """One training step on ``batch`` (``Batch(x, y, index)``); ``valid`` is a validation batch when
        ``valid_fraction > 0``."""

    def end_epoch(self) -> dict:
        """After an epoch's last step. Returns entries of the epoch's record."""
        return {}

    def batch_sampler(self):
        """Which training samples the next epoch visits (``wsnas.data.device_data.Permutation`` when None)."""
        return None

    @abstractmethod
    def state_dict(self) -> dict:
        """Everything training on needs (and evaluation reads), as tensors and plain values."""

    @abstractmethod
    def load_state_dict(self, state: dict, source) -> None:
        """Restore ``state_dict()``; ``source`` names the checkpoint in one-line errors."""

    @abstractmethod
    def rank(self, data, eval_cfg: dict, children=None):
        """(score, loss) tensors of ``children`` (default: all 64); higher scores rank first."""

    def pick(self, scores) -> int:
        """The method's chosen child (an index into ``CHILD_IDS``), from ``rank``'s scores of all 64."""
        return int(torch.as_tensor(scores).argmax())


def sgd(params, train_cfg: dict, foreach: bool = True) -> torch.optim.SGD:
    """The weights' SGD (``train.lr``, ``momentum``, ``weight_decay``; an optimiser's ``defaults`` carry
    the same keys) on the multi-tensor ("foreach") kernels: one call per operation for all weights, and
    gradient zeroing in one call, instead of a Python loop over every parameter (``foreach=False``, kept
    for the comparison); the weights are bitwise those of the loop (tests/test_optimiser.py)."""
    return torch.optim.SGD(params, lr=train_cfg["lr"], momentum=train_cfg["momentum"],
                           weight_decay=train_cfg["weight_decay"], foreach=foreach)


def seeded_network(cfg: dict, data, build=build_model):
    """``build(cfg, data)`` under ``train.init_seed``, with TF32 as ``train.precision`` asks and, with
    ``train.compile`` on, its parts compiled: every method's network starts from the same weights per seed."""
    t = cfg["train"]
    set_tf32(t["precision"], data.device)
    torch.manual_seed(t["init_seed"])
    model = build(cfg, data)
    if compile_enabled(t["compile"]):
        model.compile_parts()
    return model


def method_class(name: str) -> type:
    """The class config key ``method.name`` names; one line naming the key when it is unknown."""
    try:
        cls = resolved(method_target(name))
    except (ImportError, AttributeError):
        cls = None
    if not isinstance(cls, type) or not issubclass(cls, Method):
        raise unknown_method(name)
    return cls


def build(cfg: dict, data, children) -> Method:
    return method_class(cfg["method"]["name"])(cfg, data, children)


def stacking_refusal(method) -> str | None:
    """Why ``method`` cannot run in stacked execution, or None: it must declare ``stackable`` on the class
    whose ``step`` it runs, register no forward hooks (they do not fire there) and ask for no validation
    batches (the stacked step passes none)."""
    cls = type(method)
    declaring = next(c for c in cls.__mro__ if "stackable" in vars(c))
    if not method.stackable or cls.step is not declaring.step:
        return f"method {cls.__name__} does not declare stacked execution"
    hooked = any(m._forward_hooks or m._forward_pre_hooks for m in getattr(method, "model", torch.nn.Module()).modules())
    if hooked:
        return f"method {cls.__name__} registers forward hooks, which stacked execution does not run"
    if method.valid_fraction:
        return f"method {cls.__name__} asks for validation batches, which stacked execution does not pass"
    return None
