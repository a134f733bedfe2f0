"""Which child trains on each mini-batch (Zhang et al. 2020, Sec. 3.1-3.2 and Table 1).

The paper says children are "uniformly" generated; the authors' code (``architect.py``,
``SubgraphSearchOptimizer.__next__``) decides what that means: a round robin over the children in
ascending (lexicographic) order, so that every child trains exactly once in every ``n`` mini-batches.
- ``sequential``: the children ascending (111, 112, ..., 444, or a group's members), cycled, no
  randomness. The authors' default: "Different seeds", group and prefix sharing, the dense runs.
- ``fixed``: one seeded shuffle of that list, cycled ("Different orders"; the authors' ``one_<seed>``).
- ``shuffle``: the list reshuffled at the start of every cycle ("Diff. orders (shuffle)"; ``every_<seed>``).
- ``uniform``: i.i.d. uniform draws (not the authors' protocol; kept as an option).

``fixed`` and ``shuffle`` shuffle with numpy's legacy ``RandomState(seed)``, as the authors did, so an
order seed gives the authors' exact order. Samplers are the seam for learned path sampling (PA&DA):
anything with ``next()``, ``observe(child, loss)``, ``state_dict()`` and ``load_state_dict()`` can drive
training.
"""

import numpy as np
import torch

ORDERS = ("sequential", "fixed", "shuffle", "uniform")


class ChildSampler:
    """Child order over ``children`` (indices into ``wsnas.core.space.CHILD_IDS``)."""

    def __init__(self, children, order: str, seed: int):
        if order not in ORDERS:
            raise ValueError(f"unknown child order {order!r}; use one of {', '.join(ORDERS)}")
        self.children = sorted(children)
        self.order = order
        self.cycle = list(self.children)
        self.rng = np.random.RandomState(seed)
        self.generator = torch.Generator().manual_seed(seed)
        if order == "fixed":
            self.rng.shuffle(self.cycle)
        self.step = 0

    def next(self) -> int:
        n = len(self.cycle)
        if self.order == "uniform":
            child = self.children[int(torch.randint(n, (1,), generator=self.generator))]
        else:
            if self.order == "shuffle" and self.step % n == 0:
                self.rng.shuffle(self.cycle)  # in place, as the authors' every_<seed>: each cycle reshuffles the last
            child = self.cycle[self.step % n]
        self.step += 1
        return child

    def observe(self, child: int, loss: float) -> None:
        """Feedback after each step; unused by these orders."""

    def state_dict(self) -> dict:
        _, keys, pos, has_gauss, gauss = self.rng.get_state()
        return {"step": self.step, "cycle": torch.tensor(self.cycle, dtype=torch.long),
                "generator": self.generator.get_state(), "rng_keys": torch.from_numpy(keys.astype(np.int64)),
                "rng_pos": int(pos), "rng_gauss": torch.tensor([float(has_gauss), float(gauss)], dtype=torch.float64)}

    def load_state_dict(self, state: dict) -> None:
        self.step = int(state["step"])
        self.cycle = state["cycle"].tolist()
        self.generator.set_state(state["generator"])
        has_gauss, gauss = state["rng_gauss"].tolist()
        self.rng.set_state(("MT19937", state["rng_keys"].numpy().astype(np.uint32), int(state["rng_pos"]),
                            int(has_gauss), gauss))
