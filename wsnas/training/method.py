"""The one protocol every supernet-training method implements, and the registry that names them.

A method (NASLib's ``MetaOptimizer`` is the model) owns its network(s), optimiser(s) and whatever it
learns; ``wsnas.training.loop.Loop`` owns epochs, data order, dense evaluation and checkpoints, and drives
any method the same way:

    method = build(cfg, data, children)
    for each epoch:  record = method.new_epoch(epoch)
                     for batch in data (method.batch_sampler() decides which samples):
                         result = method.step(batch, valid_batch or None)
                     record |= method.end_epoch()
    checkpoint: method.state_dict()          ranking: method.rank(...), choice: method.pick(scores)

Inside ``step`` a method is free: several forward/backward passes, forward hooks that record layer
inputs, gradient transforms before its optimiser steps. ``valid_fraction > 0`` asks the loop for a
validation split carved from the training set (``wsnas.data.device_data.DeviceData.split``) and a batch of
it in every step. ``stackable = True`` declares that several instances may run as one batched
computation (``wsnas.training.stacked``, through ``begin_step``/``loss``/``end_step``); the loop refuses
to stack a method that does not declare it.

Methods are named in config key ``method.name``: a registered name (``wsnas.methods.METHODS``) or
``module:Class`` for a method defined outside wsnas. The method's settings (the whole ``method`` section) join every training
job's settings and checkpoint fingerprint (``wsnas.plan.settings``), so two methods never share a folder.
"""

import importlib
from typing import NamedTuple

import torch

from wsnas.errors import WsnasError
from wsnas.methods import method_target, unknown_method

class StepResult(NamedTuple):
    """What the loop needs from one step for its statistics (all detached)."""

    child: int
    loss: torch.Tensor
    logits: torch.Tensor
    y: torch.Tensor


class Method:
    """Base class of the protocol. ``children``: indices into ``wsnas.core.space.CHILD_IDS``;
    ``OPTIONS``: the method's options (config section ``method``) and their defaults, as ``self.options``;
    ``CHOICES``: the allowed values of those that take one of a few."""

    OPTIONS: dict = {}
    #: The allowed values of options that take one of a few (``options_of`` checks them).
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
    def options_of(cls, cfg: dict) -> dict:
        """``OPTIONS`` with config section ``method``'s values over them, checked: every key is an option, an
        option whose default is a boolean gets a boolean, and one listed in ``CHOICES`` one of its values
        (one line naming the key otherwise)."""
        given = {k: v for k, v in cfg["method"].items() if k != "name"}
        for key in given:
            if key not in cls.OPTIONS:
                known = ", ".join(cls.OPTIONS) or "none"
                raise WsnasError(f"config key method.{key}: method {cfg['method']['name']!r} has no such option "
                                 f"(its options: {known})")
        options = {**cls.OPTIONS, **given}
        for key, value in options.items():
            if isinstance(cls.OPTIONS[key], bool) and not isinstance(value, bool):
                raise WsnasError(f"config key method.{key}: {value!r}; use true or false")
            if key in cls.CHOICES and value not in cls.CHOICES[key]:
                raise WsnasError(f"config key method.{key}: {value!r}; use one of {', '.join(cls.CHOICES[key])}")
        return options

    def new_epoch(self, epoch: int) -> dict:
        """Before epoch ``epoch`` (0-based): schedules, train mode. Returns entries of the epoch's record."""
        return {}

    def step(self, batch, valid=None) -> StepResult:
        """One training step on ``batch`` (``Batch(x, y, index)``); ``valid`` is a validation batch when
        ``valid_fraction > 0``."""
        raise NotImplementedError

    def end_epoch(self) -> dict:
        """After an epoch's last step. Returns entries of the epoch's record."""
        return {}

    def batch_sampler(self):
        """Which training samples the next epoch visits (``wsnas.data.device_data.Permutation`` when None)."""
        return None

    def state_dict(self) -> dict:
        raise NotImplementedError

    def load_state_dict(self, state: dict, source) -> None:
        raise NotImplementedError

    def rank(self, data, eval_cfg: dict, children=None):
        """(score, loss) tensors of ``children`` (default: all 64); higher scores rank first."""
        raise NotImplementedError

    def pick(self, scores) -> int:
        """The method's chosen child (an index into ``CHILD_IDS``), from ``rank``'s scores of all 64."""
        return int(torch.as_tensor(scores).argmax())


def method_class(name: str) -> type:
    """The class config key ``method.name`` names; one line naming the key when it is unknown."""
    module, _, attribute = method_target(name).partition(":")
    try:
        cls = getattr(importlib.import_module(module), attribute)
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
