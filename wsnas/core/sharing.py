"""Which weight copy each child uses in each slot of the network (Zhang et al. 2020, Sec. 4.2-4.3).

A network has the slots ``stem``, ``cell0`` .. ``cell{n-1}`` and ``head``. An *assignment* maps every slot
to a list of 64 copy indices, one per child: children with the same index in a slot share that slot's
weights (and their BN statistics and SGD momentum buffers, which belong to the weights).

- ``full``: every child uses copy 0 everywhere (the standard one-shot supernet).
- ``group``: m groups, each group its own copy of the whole network (Sec. 4.2, Table 3a).
- ``prefix``: stem and the first k cells shared, later cells and the head private (Sec. 4.3, Table 3b).
- ``standalone``: every child its own copy of everything (the ground truth).

Distribution-consistent NAS (Pan et al. 2022) generalises ``group``: any per-slot assignment is allowed here.
"""

import numpy as np

from wsnas.errors import WsnasError
from wsnas.core.space import CHILD_IDS

N_CHILDREN = len(CHILD_IDS)


def slot_names(num_cells: int) -> list[str]:
    return ["stem", *(f"cell{i}" for i in range(num_cells)), "head"]


def group_partition(groups: int, grouping: str, seed: int = 0) -> list[int]:
    """Group index of each of the 64 children.

    ``similarity``: lexicographic slices of 111..444 (for m = 8, group 0 is 111..124, group 1 is 131..144).
    ``random``: the authors' stable partition (``search.py``, ``stable_partition: 42`` in their group
    configs): the list ``[i % m for i in range(64)]`` shuffled by numpy's legacy ``RandomState(seed)``.
    With seed 42 and m = 16, child 424's group is {143, 144, 344, 424}, Figure 6's group. The same seed
    gives the same partition in every instance (Table 3a keeps the partition and changes the init seed).
    """
    if groups < 1 or N_CHILDREN % groups:
        raise WsnasError(f"config key sharing.groups={groups}: must divide 64 (1, 2, 4, 8, 16, 32 or 64)")
    size = N_CHILDREN // groups
    if grouping == "similarity":
        return [i // size for i in range(N_CHILDREN)]
    if grouping == "random":
        group = [i % groups for i in range(N_CHILDREN)]
        np.random.RandomState(seed).shuffle(group)
        return group
    raise WsnasError(f"config key sharing.grouping={grouping!r}: use 'random' or 'similarity'")


def group_members(sharing: dict) -> list[list[int]]:
    """The children of each group (indices, ascending) of a ``group`` sharing section."""
    part = group_partition(sharing["groups"], sharing["grouping"], sharing["grouping_seed"])
    return [[c for c in range(N_CHILDREN) if part[c] == g] for g in range(sharing["groups"])]


def assignment(sharing: dict, num_cells: int) -> dict[str, list[int]]:
    """Per-slot copy index of each child for a ``sharing`` config section."""
    mode = sharing["mode"]
    slots = slot_names(num_cells)
    private = list(range(N_CHILDREN))
    if mode == "full":
        return {s: [0] * N_CHILDREN for s in slots}
    if mode == "standalone":
        return {s: private for s in slots}
    if mode == "group":
        part = group_partition(sharing["groups"], sharing["grouping"], sharing["grouping_seed"])
        return {s: part for s in slots}
    if mode == "prefix":
        k = sharing["prefix_cells"]
        if not 0 <= k <= num_cells:
            raise WsnasError(f"config key sharing.prefix_cells={k}: must be within 0..{num_cells}")
        shared = {"stem", *(f"cell{i}" for i in range(k))}
        return {s: ([0] * N_CHILDREN if s in shared else private) for s in slots}
    raise WsnasError(f"config key sharing.mode={mode!r}: use full, group, prefix or standalone")


def groups_of(assign: dict[str, list[int]]) -> list[list[int]]:
    """Children that share every slot, as lists of child indices (one list per independent network)."""
    keys = {}
    for child in range(N_CHILDREN):
        keys.setdefault(tuple(a[child] for a in assign.values()), []).append(child)
    return list(keys.values())
