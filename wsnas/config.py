"""Configuration: YAML files validated against ``config/schema.yaml`` (which also holds every default),
plus ``section.key=value`` overrides (nanoGPT style).

Without jsonschema installed (a bare GPU machine running ``bench/gpu.sh``), the defaults are filled in
from the same schema and nothing is checked; a warning says so."""

import copy
import logging
from pathlib import Path

import yaml

try:
    import jsonschema
except ImportError:  # pragma: no cover - exercised by tests that hide the module
    jsonschema = None

from wsnas.errors import WsnasError

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "config" / "schema.yaml"


def _schema():
    return yaml.safe_load(SCHEMA_PATH.read_text())


def _with_defaults(cls):
    """A validator that fills in schema defaults while validating (as Snakemake's ``validate`` does)."""
    validate_props = cls.VALIDATORS["properties"]

    def set_defaults(validator, properties, instance, schema):
        if isinstance(instance, dict):
            for key, sub in properties.items():
                if "default" in sub and key not in instance:
                    instance[key] = copy.deepcopy(sub["default"])
        yield from validate_props(validator, properties, instance, schema)

    return jsonschema.validators.extend(cls, {"properties": set_defaults})


#: Keys that existed once, with what replaced them: a config that still sets one gets this instead of "unknown key".
REMOVED = {"comparison.bootstrap": "Table 5 no longer bootstraps; its exact sign-flip test is set by "
                                   "comparison.permutations and comparison.alpha, so delete the key",
           "comparison.bootstrap_seed": "Table 5 no longer bootstraps (see comparison.permutation_seed); delete the key"}


def _key_path(error) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return ".".join(filter(None, [path, extra[0] if extra else ""]))
    return path or "(top level)"


def fill_defaults(schema: dict, instance: dict, root: dict | None = None) -> dict:
    """Fill the schema's defaults into ``instance`` in place, through nested objects, ``$ref`` and
    ``additionalProperties``, without checking anything (the fallback without jsonschema)."""
    root = root or schema
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    properties = schema.get("properties", {})
    for key, sub in properties.items():
        if key not in instance and "default" in sub:
            instance[key] = copy.deepcopy(sub["default"])
        if isinstance(instance.get(key), dict):
            fill_defaults(sub, instance[key], root)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        for key, value in instance.items():
            if key not in properties and isinstance(value, dict):
                fill_defaults(extra, value, root)
    return instance


def validate(cfg: dict, source: str = "config") -> dict:
    """Fill defaults into ``cfg`` in place and check it; raise a one-line ``WsnasError`` naming the key."""
    schema = _schema()
    if jsonschema is None:
        logging.getLogger("wsnas").warning("jsonschema is not installed: %s filled with defaults, not checked", source)
        return fill_defaults(schema, cfg)
    validator = _with_defaults(jsonschema.validators.validator_for(schema))(schema)
    # Two passes: defaults first (a default can complete a section), then the real check.
    for error in validator.iter_errors(cfg):
        pass
    errors = sorted(validator.iter_errors(cfg), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        if e.validator == "additionalProperties" and _key_path(e) in REMOVED:
            raise WsnasError(f"{source}: config key '{_key_path(e)}' was removed: {REMOVED[_key_path(e)]}")
        if e.validator == "additionalProperties":
            msg = "unknown key"
        elif e.validator == "pattern" and e.schema.get("pattern") == "^[1-4]{3}$":
            msg = f"{e.instance!r} is not a child id (three digits each in 1..4, e.g. '111', '243')"
        else:
            msg = e.message.splitlines()[0]
        raise WsnasError(f"{source}: config key '{_key_path(e)}': {msg}; see {SCHEMA_PATH.name} for valid keys and values")
    if cfg["train"]["lr_min"] > cfg["train"]["lr"]:
        raise WsnasError(f"{source}: config key 'train.lr_min' must not exceed train.lr")
    return cfg


def parse_override(text: str) -> tuple[list[str], object]:
    """``'train.epochs=3'`` -> (['train', 'epochs'], 3); the value is parsed as YAML."""
    if "=" not in text:
        raise WsnasError(f"override {text!r}: expected section.key=value, e.g. train.epochs=3")
    key, value = text.split("=", 1)
    return key.strip().split("."), yaml.safe_load(value)


def apply_overrides(cfg: dict, overrides) -> dict:
    for item in overrides or ():
        path, value = parse_override(item) if isinstance(item, str) else item
        node = cfg
        for part in path[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise WsnasError(f"override {'.'.join(path)}: '{part}' is not a section")
        node[path[-1]] = value
    return cfg


def load(path=None, overrides=()) -> dict:
    """Read a YAML config (or start empty), apply overrides, fill defaults and validate."""
    cfg = {}
    source = "config"
    if path is not None:
        source = str(path)
        try:
            cfg = yaml.safe_load(Path(path).read_text()) or {}
        except FileNotFoundError:
            raise WsnasError(f"config file {path} not found; pass an existing YAML file (see config/)") from None
        except yaml.YAMLError as e:
            raise WsnasError(f"config file {path} is not valid YAML ({str(e).splitlines()[0]}); fix its syntax") from None
        if not isinstance(cfg, dict):
            raise WsnasError(f"config file {path}: expected a mapping of sections at the top level")
    apply_overrides(cfg, overrides)
    return validate(cfg, source)


def merged(cfg: dict, **sections) -> dict:
    """A deep copy of ``cfg`` with some keys of some sections replaced, e.g. ``merged(c, train={'init_seed': 3})``."""
    out = copy.deepcopy(cfg)
    for section, values in sections.items():
        out.setdefault(section, {}).update(values)
    return out
