"""Which child trains on each mini-batch (seed 002, Sec. 3.2 and Table 1).

- ``uniform``: i.i.d. uniform draws (the paper's default).
- ``fixed``: one seeded permutation of the children, repeated ("different orders").
- ``shuffle``: a new permutation every n mini-batches, n = number of children ("orders (shuffle)").

Samplers are the seam for learned path sampling (PA&DA, seed 004): anything with ``next()``,
``observe(child, loss)``, ``state_dict()`` and ``load_state_dict()`` can drive training.
"""

import torch


class ChildSampler:
    """Seeded child order over ``children`` (indices into ``wsnas.space.CHILD_IDS``)."""

    def __init__(self, children, order: str, seed: int):
        if order not in ("uniform", "fixed", "shuffle"):
            raise ValueError(f"unknown child order {order!r}")
        self.children = list(children)
        self.order = order
        self.generator = torch.Generator().manual_seed(seed)
        self.step = 0
        self.perm = self._permutation() if order != "uniform" else torch.empty(0, dtype=torch.long)

    def _permutation(self):
        return torch.randperm(len(self.children), generator=self.generator)

    def next(self) -> int:
        n = len(self.children)
        if self.order == "uniform":
            pos = int(torch.randint(n, (1,), generator=self.generator))
        else:
            if self.order == "shuffle" and self.step > 0 and self.step % n == 0:
                self.perm = self._permutation()
            pos = int(self.perm[self.step % n])
        self.step += 1
        return self.children[pos]

    def observe(self, child: int, loss: float) -> None:
        """Feedback after each step; unused by the fixed orders."""

    def state_dict(self) -> dict:
        return {"step": self.step, "generator": self.generator.get_state(), "perm": self.perm.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.step = int(state["step"])
        self.generator.set_state(state["generator"])
        self.perm = state["perm"].clone()
