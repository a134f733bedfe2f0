"""docs/configuration.md, generated from ``config/schema.yaml`` so that the page cannot drift from the schema.

    python -m wsnas.config_docs > docs/configuration.md     regenerate the page
    python -m wsnas.config_docs --check                     exit 1 when the page differs from the schema

One Markdown section per top-level schema section, each a table of key | type | default | description:
nested objects are flattened to dotted keys (``studies.group.groups``), ``$ref`` is resolved against
``#/$defs``, and the entries of a name -> settings mapping (``additionalProperties``) appear as
``<name>`` (``searches.<name>.label``) and the items of a list of objects as ``[]``
(``comparison.contrasts[].run``). No torch here.
"""

import sys
from pathlib import Path

import yaml

from wsnas.config import SCHEMA_PATH

#: The page this module writes, relative to the repository root.
DOC_PATH = SCHEMA_PATH.parent.parent / "docs" / "configuration.md"

REGENERATE = "python -m wsnas.config_docs > docs/configuration.md"

INTRO = f"""\
<!-- Generated from config/schema.yaml by wsnas/config_docs.py; do not edit by hand. -->
*Generated from `config/schema.yaml`: edit the schema, then run `{REGENERATE}`
(`tests/test_docs.py` fails when this page is stale).*

# Configuration

`config/schema.yaml` is the single source of every key, its default and its allowed values. Snakemake
validates against it, and so does `python -m wsnas`. An unknown key or a bad value stops the run before
any job starts, with one line naming the key. A configuration file states only what differs from the
defaults below. Four ship in `config/`:
- `config/config.yaml`: the embedded demo (scikit-learn's digits, nothing downloaded), the default of
  `snakemake --cores all all`; see [The demo](demo.md);
- `config/study.yaml`: the demo's regime with enough instances for Table 5's verdicts (10 per experiment,
  12 per search run), `snakemake --cores all all --configfile config/study.yaml`; see
  [Which configuration answers what](usage.md#which-configuration-answers-what);
- `config/paper.yaml`: the paper's settings (CIFAR-10, Zhang et al. 2020, Appendix A.1, and the authors'
  code where the paper is silent; see [Protocol](protocol.md)), for a GPU cluster: the SLURM profile selects
  it (`snakemake --profile slurm all_tables`);
- `config/test.yaml`: the smallest configuration on which every metric is defined, used by the tests.

Any other configuration works the same way: `snakemake --cores all all --configfile my.yaml`; a
`--configfile` replaces the demo configuration instead of being merged over it. The commands of
`python -m wsnas` take a config file plus `--set section.key=value` overrides
([Using the core by hand](usage.md#using-the-core-by-hand)). Which settings rerun which jobs:
[Changing a setting](usage.md#changing-a-setting).
"""

#: Pages that explain a section beyond its keys.
SEE_ALSO = {
    "method": "[Search methods](methods/README.md)",
    "train": "[Protocol](protocol.md) (`child_order`, `inactive_grads`, `precision`) and "
             "[Performance](performance.md) (`device`, `channels_last`, `stacked`, `compile`, `cuda_graphs`, `streams`)",
    "studies": "[Usage: the studies](usage.md#the-studies-behind-tables-3-4-and-figures-4-9)",
    "searches": "[Comparing methods](comparing-methods.md)",
    "comparison": "[Comparing methods](comparing-methods.md#how-to-read-table-5)",
    "retrain": "[Comparing methods: final retraining](comparing-methods.md#final-retraining)",
    "reference": "[Usage: the authors' ground truth](usage.md#the-authors-ground-truth)",
}


def _text(value) -> str:
    """One line of table text: whitespace collapsed, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _literal(value) -> str:
    """A value as YAML writes it inline (``null``, ``true``, ``'on'``, ``[1, 2]``)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=float("inf"), sort_keys=False).strip()
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    return text


def _resolve(node: dict, schema: dict) -> dict:
    """``node`` with its ``$ref`` (``#/$defs/...``) merged in; the node's own keys win, and the two
    descriptions are joined."""
    if "$ref" not in node:
        return node
    prefix = "#/$defs/"
    ref = node["$ref"]
    if not ref.startswith(prefix):
        raise ValueError(f"unsupported $ref {ref!r}: only {prefix}... is resolved")
    target = _resolve(schema["$defs"][ref[len(prefix):]], schema)
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    own, shared = node.get("description"), target.get("description")
    if own and shared and own != shared:
        merged["description"] = f"{own} ({shared})"
    return merged


def _type(node: dict, schema: dict) -> str:
    node = _resolve(node, schema)
    if "anyOf" in node:
        return " or ".join(_type(option, schema) for option in node["anyOf"])
    if "enum" in node:
        kinds = [t for t in _types(node) if t == "null"]
        text = "one of " + ", ".join(_literal(v) for v in node["enum"])
        return " or ".join([text, *kinds])
    kinds = _types(node)
    text = " or ".join(kinds) if kinds else "any"
    if "items" in node:
        text = text.replace("array", f"array of {_type(node['items'], schema)}", 1)
    bounds = [f"{sign} {_literal(node[key])}" for key, sign in
              (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
              if key in node]
    if "pattern" in node:
        bounds.append(f"matching `{node['pattern']}`")
    if "minItems" in node:
        bounds.append(f"at least {node['minItems']} item{'s' if node['minItems'] != 1 else ''}")
    if node.get("uniqueItems"):
        bounds.append("no repeats")
    return f"{text} ({', '.join(bounds)})" if bounds else text


def _types(node: dict) -> list:
    kind = node.get("type", [])
    return [kind] if isinstance(kind, str) else list(kind)


def _rows(key: str, node: dict, schema: dict, required: bool, blocks: list) -> list:
    """Table rows of ``key`` and, for an object, of everything below it."""
    node = _resolve(node, schema)
    description = _text(node.get("description", ""))
    if "default" in node:
        default = node["default"]
        if isinstance(default, dict) and len(_literal(default)) > 40:
            blocks.append((key, default))
            cell = "see below"
        else:
            cell = f"`{_text(_literal(default))}`"
    else:
        cell = "required" if required else "—"
    rows = [f"| `{key}` | {_text(_type(node, schema))} | {cell} | {description} |"]
    rows += _children(key, node, schema, blocks)
    return rows


def _children(key: str, node: dict, schema: dict, blocks: list) -> list:
    """Rows of an object's properties, its ``<name>`` entries and, where the schema allows them
    unchecked, a row saying so."""
    rows = []
    required = set(node.get("required", []))
    for name, sub in node.get("properties", {}).items():
        rows += _rows(f"{key}.{name}", sub, schema, name in required, blocks)
    items = node.get("items")
    if isinstance(items, dict) and "properties" in _resolve(items, schema):
        rows += _children(f"{key}[]", _resolve(items, schema), schema, blocks)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        entry = _resolve(dict(extra), schema)
        pattern = node.get("propertyNames", {}).get("pattern")
        note = f"any name matching `{pattern}`" if pattern else "any name"
        own = _text(entry.get("description", ""))
        entry = {**entry, "description": f"{note}; {own}" if own else note}
        rows += _rows(f"{key}.<name>", entry, schema, False, blocks)
    elif "additionalProperties" not in node and "properties" in node and node.get("type") == "object":
        rows.append(f"| `{key}.<option>` | any | — | any other key is allowed here, not checked by the schema |")
    return rows


def _section(name: str, node: dict, schema: dict) -> str:
    node = _resolve(node, schema)
    lines = [f"## `{name}`", ""]
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    if name in SEE_ALSO:
        lines += [f"See also {SEE_ALSO[name]}.", ""]
    blocks = []
    rows = _children(name, node, schema, blocks)
    if isinstance(node.get("default"), dict) and len(_literal(node["default"])) > 40:
        blocks.insert(0, (name, node["default"]))
    if rows:
        lines += ["| key | type | default | description |", "| --- | --- | --- | --- |", *rows, ""]
    for key, default in blocks:
        entries = [f"  {name}: {_literal(value)}" for name, value in default.items()]
        lines += [f"Default of `{key}`:", "", "```yaml", f"{key.split('.')[-1]}:", *entries, "```", ""]
    return "\n".join(lines)


def render(schema: dict) -> str:
    """The whole page for ``schema`` (the loaded ``config/schema.yaml``)."""
    contents = ["## Sections", ""]
    contents += [f"- [`{name}`](#{name})" for name in schema["properties"]]
    parts = [INTRO, "\n".join(contents) + "\n"]
    parts += [_section(name, node, schema) for name, node in schema["properties"].items()]
    return "\n".join(parts).rstrip("\n") + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render(yaml.safe_load(SCHEMA_PATH.read_text()))
    if argv == ["--check"]:
        if not DOC_PATH.exists() or DOC_PATH.read_text() != text:
            print(f"docs/configuration.md differs from config/schema.yaml; run: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if argv:
        print("usage: python -m wsnas.config_docs [--check]", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
