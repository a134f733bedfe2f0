"""The import graph of wsnas reads one way: every import goes to the same layer or a lower one, and no module
imports itself through others (docs/development.md, "Layout"). Function-level imports count too."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Layers, lowest first: (name, module prefixes). The most specific prefix decides a module's layer.
LAYERS = [
    ("declarations (torch-free)", ["wsnas.errors", "wsnas.config", "wsnas.config_docs", "wsnas.core.space",
                                   "wsnas.core.sharing", "wsnas.data.sizes", "wsnas.methods",
                                   "wsnas.methods.declaration", "wsnas.methods.single_path", "wsnas.methods.di_nas",
                                   "wsnas.methods.pada", "wsnas.methods.darts", "wsnas.methods.dcnas"]),
    ("plan (torch-free)", ["wsnas.plan"]),
    ("reporting (torch-free)", ["wsnas.reporting", "wsnas.methods.darts.rankings"]),
    ("engine (torch)", ["wsnas.core", "wsnas.data", "wsnas.training.device", "wsnas.training.graphs", "wsnas.training.evaluate",
                        "wsnas.training.schedule", "wsnas.training.checkpoint", "wsnas.training.manifest",
                        "wsnas.training.runtime"]),
    ("methods (torch)", ["wsnas.methods.protocol", "wsnas.methods.child_order", "wsnas.methods.single_path.trainer",
                         "wsnas.methods.di_nas.trainer", "wsnas.methods.pada.trainer", "wsnas.methods.darts.trainer",
                         "wsnas.methods.dcnas.trainer"]),
    ("training loop", ["wsnas.training"]),
    ("jobs and figures", ["wsnas.jobs", "wsnas.methods.di_nas.figures", "wsnas.methods.pada.figures",
                          "wsnas.methods.darts.figures", "wsnas.methods.dcnas.figures"]),
    ("entry points", ["wsnas.cli", "wsnas.__main__", "wsnas"]),
]


def layer_of(module: str) -> int:
    best = max(((len(prefix), i) for i, (_, prefixes) in enumerate(LAYERS) for prefix in prefixes
                if module == prefix or module.startswith(prefix + ".")), default=None)
    assert best is not None, f"{module} is in no layer of tests/test_layers.py"
    return best[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, package: str) -> set[str]:
    """The modules ``path`` imports that are in ``package``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return {m for m in found if m == package or m.startswith(package + ".")}


def graph(package: str) -> dict[str, set[str]]:
    files = {module_name(p): p for p in (ROOT / package).rglob("*.py")}
    return {m: {i for i in imports(p, package) if i in files and i != m} for m, p in files.items()}


def cycle(edges: dict[str, set[str]]):
    """A cycle of module names, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt, path + [nxt])):
                return found
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node, [node])):
            return found
    return None


def test_every_import_goes_down_or_sideways():
    upward = [f"{m} ({LAYERS[layer_of(m)][0]}) imports {i} ({LAYERS[layer_of(i)][0]})"
              for m, targets in graph("wsnas").items() for i in sorted(targets) if layer_of(i) > layer_of(m)]
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    for package in ("wsnas", "bench"):
        assert cycle(graph(package)) is None, f"{package}: {' -> '.join(cycle(graph(package)))}"


def test_the_torch_free_layers_import_no_torch():
    """The Snakefile and the analysis environment load these without torch."""
    for module, path in ((module_name(p), p) for p in (ROOT / "wsnas").rglob("*.py")):
        if layer_of(module) <= 2:
            tree = ast.parse(path.read_text())
            names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert "torch" not in names, module
