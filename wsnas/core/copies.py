"""The fully shared network with M weight copies of every parametric operation on every (cell, edge) slot,
for local weight sharing (Pan et al. 2022, Sec. 3.2.1: each operator C_(l,k) holds M candidate weights
W_(l,k) = {w^1 .. w^M}, and architecture a uses W_(l,k)(o_(a,l))).

A *slot* (a "layer" of the paper) is one (cell, edge) pair: 3 per cell, ``3 * num_cells`` in forward order
(cell 0 edges O(0,1), O(0,2), O(1,2), then cell 1, ...). Each slot's sep3, sep5 and dil5 operations get M
copies; max-pool has no weights and keeps one. The stem, each cell's preprocessing and the head stay
globally shared. Copy 0 of every operation is the ``WeightSharingNet``'s own module (``Cell.edges[e][k]``),
built in the order and from the random numbers of a fully shared network, so the parameters of an M = 1
network are those of ``WeightSharingNet`` exactly; copies 1..M-1 (``CopyNet.extra``, registered after all
of them) are clones of copy 0 (``sharing.copy_init: identical``) or drawn afresh (``independent``).

``table`` (64 children x cells x 3 edges) holds the copy each child uses on each slot, -1 while the slot is
not yet assigned (max-pool edges: always 0). ``forward(x, child)`` routes through the assigned copies (copy
0 where unassigned); a training step passes an explicit ``route`` (random copies where unassigned).
"""

import copy
from contextlib import contextmanager

import torch
from torch import nn

from wsnas.core.model import WeightSharingNet, _memo
from wsnas.core.operations import BUILDERS
from wsnas.core.space import CHILD_IDS
from wsnas.errors import WsnasError

#: Operation indices (0-based digits) that carry weights: sep3, sep5, dil5; index 0 is max-pool.
PARAMETRIC = (1, 2, 3)
UNASSIGNED = -1


class CopyNet(WeightSharingNet):
    """``WeightSharingNet`` with full sharing whose parametric operations have ``copies`` copies per slot."""

    def __init__(self, model_cfg: dict, sharing_cfg: dict, copies: int, in_channels: int = 3, classes: int = 10):
        if sharing_cfg["mode"] != "full":
            raise WsnasError(f"config key sharing.mode={sharing_cfg['mode']!r}: local weight sharing (DCNAS) builds "
                             "its copies on the fully shared network; set it to full")
        super().__init__(model_cfg, sharing_cfg, in_channels, classes)
        self.copies = copies
        self.slots_count = 3 * self.num_cells
        identical = sharing_cfg.get("copy_init", "identical") == "identical"
        self.extra = nn.ModuleDict()
        if copies > 1:
            for cell in range(self.num_cells):
                for edge in range(3):
                    for k in PARAMETRIC:
                        first = self.cell(cell).edges[edge][k]
                        if identical:
                            more = [copy.deepcopy(first) for _ in range(copies - 1)]
                        else:
                            more = [BUILDERS[k](model_cfg["cell_channels"], model_cfg["bn_momentum"])
                                    for _ in range(copies - 1)]
                        self.extra[_key(cell, edge, k)] = nn.ModuleList(more)
        ops = torch.tensor(self._ops)  # (64, 3): each child's operation per edge
        table = torch.where(ops == 0, 0, UNASSIGNED if copies > 1 else 0)
        self.table = table[:, None, :].repeat(1, self.num_cells, 1)  # (64, cells, 3); not a buffer: the method saves it

    # -- copies ----------------------------------------------------------------------------------------
    def cell(self, i: int):
        return self.slots[f"cell{i}"][0]

    def op(self, cell: int, edge: int, k: int, copy_index: int) -> nn.Module:
        """Copy ``copy_index`` of operation ``k`` on slot (cell, edge); max-pool has only copy 0."""
        if copy_index == 0 or k not in PARAMETRIC:
            return self.cell(cell).edges[edge][k]
        return self.extra[_key(cell, edge, k)][copy_index - 1]

    def route(self, child: int) -> tuple:
        """The child's copy per (cell, edge) from ``table``; copy 0 where a slot is not yet assigned."""
        return tuple(tuple(max(c, 0) for c in row) for row in self.table[child].tolist())

    def random_route(self, child: int, generator: torch.Generator) -> tuple:
        """The assigned copies, and a uniform random copy (``generator``) on every unassigned slot."""
        table = self.table[child]
        if self.copies == 1:
            return self.route(child)
        draws = torch.randint(self.copies, table.shape, generator=generator)
        return tuple(tuple(row) for row in torch.where(table == UNASSIGNED, draws, table).tolist())

    def modules_of(self, child: int, route=None) -> list[nn.Module]:
        """What child ``child`` runs through: the stem, each cell's preprocessing and the child's operation
        copies (``route``, default its assigned copies), the head; BN recalibration resets exactly these."""
        route = self.route(child) if route is None else route
        ops = self._ops[child]
        out = [self.slots["stem"][0]]
        for i in range(self.num_cells):
            out.append(self.cell(i).preprocess)
            out += [self.op(i, e, ops[e], route[i][e]) for e in range(3)]
        return out + [self.slots["head"][0]]

    def trained_parameters(self, child: int) -> list[nn.Parameter]:
        """With several copies a step's route is drawn after the step begins: no weight is known to be
        trained, so every gradient accumulates into its zeroed tensor."""
        return super().trained_parameters(child) if self.copies == 1 else []

    def op_parameters(self, cell: int, edge: int, k: int, copy_index: int) -> list[nn.Parameter]:
        return list(self.op(cell, edge, k, copy_index).parameters())

    def compile_parts(self, backend: str = "inductor") -> None:
        super().compile_parts(backend)
        for copies in self.extra.values():
            for op in copies:
                op.compile(backend=backend)

    # -- forward ---------------------------------------------------------------------------------------
    def forward(self, x, child: int, cache: dict | None = None, route=None, record: dict | None = None,
                record_samples: int = 4, deep: bool = False):
        """Logits of child ``child`` through the copies ``route`` (per cell, per edge; default: the assigned
        ones). ``cache`` as ``WeightSharingNet.forward`` (the stem and cell 0's parts computed once per batch
        for all children; ``deep``: every cell's parts, keyed by the route so far, for several routes of one
        child). ``record``: filled with the first ``record_samples`` samples of each slot's input, detached,
        keyed by (cell, edge)."""
        ops = self._ops[child]
        route = self.route(child) if route is None else route
        memo_cells = self.num_cells if deep else 1
        key = ("stem",) if cache is not None else None
        h = _memo(cache, key, lambda: self.slots["stem"][0](x)) if key is not None else self.slots["stem"][0](x)
        for i in range(self.num_cells):
            cell, r = self.cell(i), route[i]
            o = [self.op(i, e, ops[e], r[e]) for e in range(3)]
            if key is None or i >= memo_cells:
                key = None
                x0 = cell.preprocess(h)
                x1 = o[0](x0)
                if record is not None:
                    _record(record, i, x0, x1, record_samples)
                h = torch.cat([x1, o[1](x0) + o[2](x1)], dim=1)
                continue
            k0 = (key, i, "x0")
            x0 = _memo(cache, k0, lambda: cell.preprocess(h))
            k1 = (k0, "o01", ops[0], r[0])
            x1 = _memo(cache, k1, lambda: o[0](x0))
            k2 = (k0, "o02", ops[1], r[1])
            o02 = _memo(cache, k2, lambda: o[1](x0))
            k3 = (k1, "o12", ops[2], r[2])
            o12 = _memo(cache, k3, lambda: o[2](x1))
            if record is not None:
                _record(record, i, x0, x1, record_samples)
            key = (k2, k3)
            h = _memo(cache, key, lambda: torch.cat([x1, o02 + o12], dim=1)) if i + 1 < memo_cells else \
                torch.cat([x1, o02 + o12], dim=1)
        return self.slots["head"][0](h)

    def forward_weighted(self, x, weights, copy: int = 0):
        raise WsnasError("the DARTS relaxation has no local weight copies; use WeightSharingNet")


def _key(cell: int, edge: int, k: int) -> str:
    return f"cell{cell}_edge{edge}_op{k}"


def _record(record: dict, cell: int, x0, x1, samples: int) -> None:
    """Slot inputs: edges O(0,1) and O(0,2) read x0, edge O(1,2) reads x1."""
    record[(cell, 0)] = record[(cell, 1)] = x0[:samples].detach()
    record[(cell, 2)] = x1[:samples].detach()


def slot_of(cell: int, edge: int) -> int:
    return 3 * cell + edge


def cell_edge(slot: int) -> tuple[int, int]:
    return divmod(slot, 3)


def users_of(edge: int, k: int) -> list[int]:
    """The children (indices) whose operation on ``edge`` is ``k``: 16 of the 64."""
    return [c for c, child in enumerate(CHILD_IDS) if int(child[edge]) - 1 == k]


@contextmanager
def frozen_bn_statistics(model: nn.Module):
    """Train-mode forwards inside leave every BN running statistic (and batch count) as it was."""
    saved = [(b, b.detach().clone()) for name, b in model.named_buffers() if "running" in name or "num_batches" in name]
    try:
        yield
    finally:
        with torch.no_grad():
            for buffer, value in saved:
                buffer.copy_(value)


def build_copy_net(cfg: dict, data, copies: int) -> CopyNet:
    """The network of config sections ``model`` and ``sharing`` with ``copies`` copies per operation, on
    ``data``'s device and in its memory format (as ``wsnas.core.model.build_model``)."""
    model = CopyNet(cfg["model"], cfg["sharing"], copies, classes=data.classes)
    return model.to(data.device, memory_format=data.memory_format)
