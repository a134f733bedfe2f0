"""What a supernet-training method is, declared once in its own package (``wsnas/methods/<name>/__init__.py``)
and read by everything above the trainer: the plan (options checked before any job starts, which runs rank at
every epoch, which runs learn a sharing state), the reporting (extra rankings, the paper's quoted numbers),
the rules (the method's figures) and the bench (the step timings). Torch-free: the Snakefile reads it while it
builds the DAG. NASLib keeps one home per optimiser in the same way (``naslib/optimizers``).
"""

import math
from dataclasses import dataclass, field
from typing import Callable

from wsnas.errors import WsnasError


@dataclass(frozen=True)
class Check:
    """A numeric option's allowed values: ``ok(value)`` must hold; ``what`` says what to use instead."""

    ok: Callable[[float], bool]
    what: str
    integer: bool = False
    finite: bool = True


@dataclass(frozen=True)
class Figure:
    """A figure of the method's search runs: ``reports/figures/<name>.{pdf,png}``, drawn by ``producer``
    (``module:function(config, runs, inputs, outputs, ground_truth=None)``) from ``reads`` of every run of
    the method (and the comparison's baseline when ``baseline``): ``epochs.csv`` or ``sharing.csv`` of every
    instance, or ``disturbance.csv``, the run's disturbance metrics (Niu et al. 2020, Figure 3). ``caption``: the Snakemake report's
    caption, an .rst file beside the declaration."""

    name: str
    producer: str
    reads: str
    caption: str
    baseline: bool = False
    ground_truth: bool = False


@dataclass(frozen=True)
class Record:
    """A number of the method's epoch records (``epochs.csv``) that shows its mechanism at work (a meta network
    that moved, a probability that evolved, a step that was projected): ``column``, or ``column`` over ``per``
    where a ratio says more than either. Table 5's "Mechanisms" section gives it at the first, middle and
    last recorded epoch, over the instances."""

    label: str
    column: str
    per: str | None = None


@dataclass(frozen=True)
class Quote:
    """A number the method's own paper reports, quoted beside the run whose options are ``options`` over the
    method's defaults (budget options aside); ``same_benchmark`` only when measured on this ground truth."""

    options: dict
    number: str
    source: str
    same_benchmark: bool = False


@dataclass(frozen=True)
class Timing:
    """One timed training epoch of the method for the bench: ``options`` over the defaults, ``train`` keys
    over the bench's, against single path or against another timing of the method (``against``: its label).
    ``share``: the fraction of a paper run spent in this phase, when the method's step time is a mix of
    phases (the mix is judged against ``Declaration.step_target``). ``costly``: minutes per step of the paper
    network on a CPU; ``python -m bench`` leaves it out at the small size unless ``--costly``."""

    label: str
    options: dict = field(default_factory=dict)
    train: dict = field(default_factory=dict)
    against: str = "single path"
    share: float | None = None
    note: str = ""
    costly: bool = False


@dataclass(frozen=True)
class Declaration:
    """A method: ``trainer`` (``module:Class``, a ``wsnas.methods.protocol.Method``), its options with their
    defaults, the values allowed for those that take one of a few (``choices``) or a number (``checks``),
    and what the pipeline does with its runs."""

    name: str
    trainer: str
    summary: str
    options: dict = field(default_factory=dict)
    choices: dict = field(default_factory=dict)
    checks: dict = field(default_factory=dict)
    #: Rank every epoch in the first BN mode (a figure needs per-epoch rankings), not only the last.
    every_epoch: bool = False
    #: Rankings besides the BN modes: name -> ``module:function(history) -> epochs x children scores or None``.
    rankings: dict = field(default_factory=dict)
    #: The trainer offers ``sharing_table()``: each run gets a ``search_sharing`` job per instance.
    sharing: bool = False
    figures: tuple = ()
    #: What of the epoch records shows the mechanism at work (``Record``; Table 5's "Mechanisms").
    records: tuple = ()
    quotes: tuple = ()
    #: Options that fit the method to a run's epoch budget and leave it the same method (not an ablation).
    budget_options: frozenset = frozenset()
    timings: tuple = ()
    #: The step-time target against single path (``math.inf``: reported, not judged).
    step_target: float = math.inf

    def checked_options(self, section: dict, key: str = "method") -> dict:
        """``options`` with ``section``'s values (a config ``method`` section) over them, checked: every key an
        option, a boolean option a boolean, a choice one of its values, a number within its ``checks``; one
        line naming ``<key>.<option>`` otherwise."""
        given = {k: v for k, v in section.items() if k != "name"}
        for option in given:
            if option not in self.options:
                raise WsnasError(f"config key {key}.{option}: method {self.name!r} has no such option "
                                 f"(its options: {', '.join(self.options) or 'none'})")
        options = {**self.options, **given}
        for option, value in options.items():
            default = self.options[option]
            if isinstance(default, bool) and not isinstance(value, bool):
                raise WsnasError(f"config key {key}.{option}: {value!r}; use true or false")
            if option in self.choices and value not in self.choices[option]:
                raise WsnasError(f"config key {key}.{option}: {value!r}; use one of {', '.join(self.choices[option])}")
            if option in self.checks:
                check = self.checks[option]
                number = isinstance(value, (int, float)) and not isinstance(value, bool)
                if (not number or (check.integer and not isinstance(value, int))
                        or (check.finite and not math.isfinite(value)) or not check.ok(value)):
                    raise WsnasError(f"config key {key}.{option}: {value!r}; use {check.what}")
        return options

    def quoted(self, section: dict):
        """The ``Quote`` for a run's ``method`` section, or None when its options (budget options aside) make
        it another method than any quoted (an ablation)."""
        def method_options(given: dict) -> dict:  # the defaults with ``given`` over them, budget options aside
            return {k: v for k, v in {**self.options, **given}.items() if k != "name" and k not in self.budget_options}

        mine = method_options(section)
        return next((quote for quote in self.quotes if method_options(quote.options) == mine), None)
