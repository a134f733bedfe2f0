"""One module per supernet-training method behind wsnas.training.method.Method, and the registry that
names them (no torch here: the Snakefile checks a configured name before any job starts)."""

import importlib.util

from wsnas.errors import WsnasError

#: Registered methods: config name -> "module:Class".
METHODS = {"single_path": "wsnas.methods.single_path:SinglePath", "di_nas": "wsnas.methods.di_nas:DINAS",
           "pada": "wsnas.methods.pada:PADA", "darts": "wsnas.methods.darts:DARTS",
           "dcnas": "wsnas.methods.dcnas:DCNAS"}


def method_target(name: str) -> str:
    """``module:Class`` of config key ``method.name`` (a registered name, or ``module:Class`` itself);
    one line naming the key when it can name nothing."""
    target = METHODS.get(name, name)
    module, _, attribute = target.partition(":")
    try:
        found = bool(attribute) and importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise unknown_method(name)
    return target


def unknown_method(name: str) -> WsnasError:
    return WsnasError(f"config key method.name: {name!r} is no method; use one of {', '.join(METHODS)} "
                      f"or 'module:Class' naming a wsnas.training.method.Method subclass")
