"""The network of Zhang et al. 2020 (Sec. 3.1, Appendix A.1) with weight copies chosen per child.

stem (conv3x3 3->48, BN, conv3x3 48->48, BN) -> 4 identical cells without downsampling -> global average
pooling -> Linear(32 -> classes). A cell: x0 = BN(conv1x1(ReLU(x))) to 16 channels, the BN without affine
parameters as in the authors' ``models/search_cells.py`` (58,074 parameters in all); x1 = O01(x0);
x2 = O02(x0) + O12(x1); output concat(x1, x2) (32 channels).

``WeightSharingNet`` holds, for each slot, as many copies as the sharing assignment (``wsnas.core.sharing``)
asks for; ``forward(x, child)`` routes through the child's copies and operations. The same class serves
full, group, prefix and standalone sharing. ``forward_weighted`` is the continuous relaxation of the cell
(a softmax-weighted sum of all operations per edge) for DARTS-style search (Liu et al. 2019; Bi et al. 2019).
"""

import copy

import torch
from torch import nn

from wsnas.core.operations import BUILDERS, BatchNorm2d, Chain
from wsnas.core.sharing import assignment, slot_names
from wsnas.core.space import CHILD_IDS, parse_child


class Stem(nn.Module):
    def __init__(self, in_channels, channels, convs, bn_momentum):
        super().__init__()
        layers, c = [], in_channels
        for _ in range(convs):
            layers += [nn.Conv2d(c, channels, 3, padding=1, bias=False), BatchNorm2d(channels, momentum=bn_momentum)]
            c = channels
        self.layers = Chain(*layers)

    def forward(self, x):
        return self.layers(x)


class Cell(nn.Module):
    """All candidate operations of the 3 edges; a child picks one per edge."""

    def __init__(self, in_channels, channels, bn_momentum):
        super().__init__()
        self.preprocess = Chain(
            nn.ReLU(inplace=False),
            nn.Conv2d(in_channels, channels, 1, bias=False),
            BatchNorm2d(channels, momentum=bn_momentum, affine=False),
        )
        self.edges = nn.ModuleList(
            nn.ModuleList(build(channels, bn_momentum) for build in BUILDERS) for _ in range(3)
        )
        self.out_channels = 2 * channels

    def forward(self, x, ops, cache=None, key=None):
        """``ops``: operation index per edge. With ``cache``/``key`` (input shared by several children),
        the parts of the cell that depend on fewer than all three operations are computed once."""
        if cache is None:
            x0 = self.preprocess(x)
            x1 = self.edges[0][ops[0]](x0)
            return torch.cat([x1, self.edges[1][ops[1]](x0) + self.edges[2][ops[2]](x1)], dim=1)
        k0 = (key, "x0")
        x0 = _memo(cache, k0, lambda: self.preprocess(x))
        x1 = _memo(cache, (k0, "o01", ops[0]), lambda: self.edges[0][ops[0]](x0))
        o02 = _memo(cache, (k0, "o02", ops[1]), lambda: self.edges[1][ops[1]](x0))
        o12 = _memo(cache, (k0, "o01", ops[0], "o12", ops[2]), lambda: self.edges[2][ops[2]](x1))
        return torch.cat([x1, o02 + o12], dim=1)

    def forward_weighted(self, x, weights):
        """Mixed operations: edge e outputs sum_k weights[e, k] * op_k(input) (Liu et al. 2019, Eq. 2)."""
        x0 = self.preprocess(x)
        x1 = sum(w * op(x0) for w, op in zip(weights[0], self.edges[0]))
        x2 = sum(w * op(x0) for w, op in zip(weights[1], self.edges[1]))
        x2 = x2 + sum(w * op(x1) for w, op in zip(weights[2], self.edges[2]))
        return torch.cat([x1, x2], dim=1)


class Head(nn.Module):
    def __init__(self, in_channels, classes):
        super().__init__()
        self.linear = nn.Linear(in_channels, classes)

    def forward(self, x):
        return self.linear(x.mean(dim=(2, 3)))


def _memo(cache, key, compute):
    if key not in cache:
        cache[key] = compute()
    return cache[key]


class WeightSharingNet(nn.Module):
    """Stem, cells and head, each slot holding the weight copies that the sharing assignment names.

    ``sharing.copy_init``: ``identical`` (the authors') builds copy 0 of every slot in the order of a
    fully shared network and clones it into the other copies, so every copy starts from one
    initialisation and copy 0 equals the ``full`` network of the same seed (the authors save one
    freshly initialised state per child, ``architect.py``); ``independent`` draws each copy afresh."""

    def __init__(self, model_cfg: dict, sharing_cfg: dict, in_channels: int = 3, classes: int = 10):
        super().__init__()
        m = model_cfg
        self.num_cells = m["num_cells"]
        self.assign = assignment(sharing_cfg, self.num_cells)
        identical = sharing_cfg.get("copy_init", "identical") == "identical"
        self.slots = nn.ModuleDict()
        for name in slot_names(self.num_cells):
            copies = max(self.assign[name]) + 1
            if name == "stem":
                make = lambda: Stem(in_channels, m["stem_channels"], m["stem_convs"], m["bn_momentum"])  # noqa: E731
            elif name == "head":
                make = lambda: Head(2 * m["cell_channels"], classes)  # noqa: E731
            else:
                cin = m["stem_channels"] if name == "cell0" else 2 * m["cell_channels"]
                make = lambda cin=cin: Cell(cin, m["cell_channels"], m["bn_momentum"])  # noqa: E731
            if identical:
                first = make()
                self.slots[name] = nn.ModuleList([first, *(copy.deepcopy(first) for _ in range(copies - 1))])
            else:
                self.slots[name] = nn.ModuleList(make() for _ in range(copies))
        self._ops = [parse_child(c) for c in CHILD_IDS]
        # Slots with several copies: the parameters of each copy, and which copies may hold a gradient.
        self._copy_params = {s: [list(c.parameters()) for c in cs] for s, cs in self.slots.items() if len(cs) > 1}
        self._trained: dict[int, list[nn.Parameter]] = {}
        self.gradients_restored()

    def gradients_restored(self) -> None:
        """Any copy may hold a gradient now (after construction, or after gradients were recreated on a
        resume): the next ``release_other_copies`` checks them all."""
        self._holding = {s: set(range(len(ps))) for s, ps in self._copy_params.items()}

    @property
    def has_private_copies(self) -> bool:
        """Whether some slot holds more than one weight copy (group or prefix sharing)."""
        return bool(self._copy_params)

    def release_other_copies(self, child: int) -> None:
        """Set the gradient of every weight copy that ``child`` does not use to None, so that the optimiser
        leaves it alone (no weight decay, no momentum) until a child that uses it trains again.

        The authors keep one set of tensors and swap each child's private values in and out
        (``architect.py`` save/restore, with the optimiser state), so a private copy moves only on its own
        child's steps, while the shared weights keep old PyTorch's zeroed gradients. Call after
        ``zero_grad(set_to_none=False)``; a no-op for fully shared networks."""
        for slot, copies in self._copy_params.items():
            keep = self.assign[slot][child]
            holding = self._holding[slot]
            for index in holding - {keep}:
                for p in copies[index]:
                    p.grad = None
            holding.clear()
            holding.add(keep)

    def modules_of(self, child: int) -> list[nn.Module]:
        """The modules (one copy per slot) that child ``child`` (index into CHILD_IDS) runs through."""
        return [self.slots[s][self.assign[s][child]] for s in self.slots]

    def parameters_of(self, child: int):
        for module in self.modules_of(child):
            yield from module.parameters()

    def trained_parameters(self, child: int) -> list[nn.Parameter]:
        """The weights a step of ``child`` gives a gradient: its stem, cell preprocessing, chosen operation
        per edge and head, in its copies (``modules_of`` holds every operation of a cell)."""
        if child not in self._trained:
            ops = self._ops[child]
            modules = [self.slots["stem"][self.assign["stem"][child]], self.slots["head"][self.assign["head"][child]]]
            for i in range(self.num_cells):
                cell = self.slots[f"cell{i}"][self.assign[f"cell{i}"][child]]
                modules += [cell.preprocess, *(cell.edges[e][ops[e]] for e in range(3))]
            self._trained[child] = [p for m in modules for p in m.parameters()]
        return self._trained[child]

    def compile_parts(self, backend: str = "inductor") -> None:
        """``torch.compile`` in place (``nn.Module.compile``) every operation, every cell's preprocessing
        and the stem: Inductor fuses the ReLUs and BNs around the convolutions. The child is chosen outside
        the compiled parts, so a supernet needs a graph per kind of part, not one per child."""
        import torch._dynamo

        parts = []
        for copies in self.slots.values():
            for module in copies:
                if isinstance(module, Stem):
                    parts.append(module.layers)
                elif isinstance(module, Cell):
                    parts.append(module.preprocess)
                    parts += [op for edge in module.edges for op in edge]
        # All parts share Chain.forward, whose cache holds one entry per kind, mode and shape.
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, 64)
        for part in parts:
            part.compile(backend=backend)

    def forward(self, x, child: int, cache: dict | None = None):
        """Logits of child ``child`` (index). ``cache``: a dict shared across the children evaluated on the
        same batch ``x``; computations identical across children (the stem, a shared cell's preprocessing
        and single-edge outputs) then run once per batch instead of once per child."""
        ops = self._ops[child]
        stem_copy = self.assign["stem"][child]
        if cache is None:
            h = self.slots["stem"][stem_copy](x)
            for i in range(self.num_cells):
                h = self.slots[f"cell{i}"][self.assign[f"cell{i}"][child]](h, ops)
            return self.slots["head"][self.assign["head"][child]](h)
        key = ("stem", stem_copy)
        h = _memo(cache, key, lambda: self.slots["stem"][stem_copy](x))
        for i in range(self.num_cells):
            copy = self.assign[f"cell{i}"][child]
            cell = self.slots[f"cell{i}"][copy]
            if key is None:
                h = cell(h, ops)
            else:
                h = cell(h, ops, cache, (key, i, copy))
                key = None  # a cell's output depends on all three operations: unique to this child
        return self.slots["head"][self.assign["head"][child]](h)

    def forward_weighted(self, x, weights, copy: int = 0):
        """DARTS relaxation through weight copy ``copy``: ``weights`` is (3 edges x 4 operations)."""
        h = self.slots["stem"][copy](x)
        for i in range(self.num_cells):
            h = self.slots[f"cell{i}"][copy].forward_weighted(h, weights)
        return self.slots["head"][copy](h)


def build_model(cfg: dict, data) -> WeightSharingNet:
    """The network of config sections ``model`` and ``sharing`` for ``data`` (its classes), on its device
    and in its memory format."""
    model = WeightSharingNet(cfg["model"], cfg["sharing"], classes=data.classes)
    return model.to(data.device, memory_format=data.memory_format)
