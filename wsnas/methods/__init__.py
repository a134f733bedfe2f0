"""The supernet-training methods, one package each (``wsnas/methods/<name>/``): its ``__init__.py`` declares
the method (``DECLARATION``, a ``wsnas.methods.declaration.Declaration``: options, rankings, figures, paper
quotes, timings), its ``trainer.py`` implements the protocol (``wsnas.methods.protocol.Method``), and its
figures and captions live beside them. This registry names them. No torch here: the Snakefile checks every
configured method and option before any job starts.

Config key ``method.name`` is a registered name, the name of a package with a ``DECLARATION`` (a method
defined outside wsnas, declared the same way), or ``module:Class`` naming a protocol class directly (its
options are then checked only when its job starts).
"""

import importlib
import importlib.util
import pkgutil

from wsnas.errors import WsnasError

#: The registered methods: every package in this folder (a new method is its package, nothing else), the
#: baseline first.
NAMES = tuple(sorted((m.name for m in pkgutil.iter_modules(__path__) if m.ispkg), key=lambda n: (n != "single_path", n)))


def _package(name: str) -> str:
    return f"wsnas.methods.{name}" if name in NAMES else name


def declaration_of(name: str, key: str = "method.name"):
    """The ``Declaration`` config key ``key`` names, or None for a bare ``module:Class``; one line naming the
    key when it names nothing."""
    if ":" in name:
        method_target(name, key)
        return None
    try:
        found = importlib.util.find_spec(_package(name)) is not None
    except (ImportError, ValueError):
        found = False
    declaration = getattr(importlib.import_module(_package(name)), "DECLARATION", None) if found else None
    if declaration is None:
        raise unknown_method(name, key)
    return declaration


def declarations() -> dict:
    """Name -> ``Declaration`` of every registered method."""
    return {name: declaration_of(name) for name in NAMES}


def method_target(name: str, key: str = "method.name") -> str:
    """``module:Class`` of the trainer config key ``key`` names (a registered or declared name, or
    ``module:Class`` itself); one line naming the key when it can name nothing."""
    target = name if ":" in name else declaration_of(name, key).trainer
    module, _, attribute = target.partition(":")
    try:
        found = bool(attribute) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise unknown_method(name, key)
    return target


def checked_method(section: dict, key: str = "method") -> dict:
    """A config ``method`` section checked before any job starts: its name names a method and, for a
    declared one, every option and value is allowed (one line naming ``<key>.<option>`` otherwise). Returns
    the options with their defaults ({} for a bare ``module:Class``)."""
    declaration = declaration_of(section["name"], f"{key}.name")
    return declaration.checked_options(section, key) if declaration else {}


def resolved(target: str):
    """The object a declaration names as ``module:attribute`` (a ranking, a figure producer, a trainer)."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def unknown_method(name: str, key: str = "method.name") -> WsnasError:
    return WsnasError(f"config key {key}: {name!r} is no method; use one of {', '.join(NAMES)}, a package that "
                      f"declares one (DECLARATION) or 'module:Class' naming a wsnas.methods.protocol.Method subclass")
