"""The toy search space of Zhang et al. 2020, Sec. 3.1: 4 operations on 3 edges, 4**3 = 64 children.

A child id is three digits in 1..4; the i-th digit picks the operation on edge O(0,1), O(0,2), O(1,2).
"""

from itertools import product

from wsnas.errors import WsnasError

#: Operation k (1-based) of the authors' code, in digit order.
OPERATIONS = ("max_pool_3x3", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_5x5")
#: The cell's edges, in digit order.
EDGES = ("O(0,1)", "O(0,2)", "O(1,2)")
#: The 64 child ids '111'..'444' in lexicographic order; index i is the child's column everywhere.
CHILD_IDS = tuple("".join(d) for d in product("1234", repeat=3))
CHILD_INDEX = {c: i for i, c in enumerate(CHILD_IDS)}


def children_or_all(children=None) -> list[int]:
    """Child indices: the given ones, or all 64 when ``children`` is None or empty."""
    return list(children) if children else list(range(len(CHILD_IDS)))


class InvalidChildError(WsnasError, ValueError):
    """A string that is not a child id of the 64-child space."""


def parse_child(child_id) -> tuple[int, int, int]:
    """Return the 0-based operation index on each edge, e.g. ``'142' -> (0, 3, 1)``."""
    text = str(child_id)
    if text not in CHILD_INDEX:
        raise InvalidChildError(
            f"invalid child id {child_id!r}: expected three digits each in 1..4 (e.g. '111', '243', '444')"
        )
    return tuple(int(d) - 1 for d in text)


def child_index(child_id) -> int:
    """Column of a child id in every 64-wide table."""
    parse_child(child_id)
    return CHILD_INDEX[str(child_id)]


def describe(child_id) -> str:
    """Human-readable operations of a child, e.g. ``'O(0,1)=max_pool_3x3, ...'``."""
    ops = parse_child(child_id)
    return ", ".join(f"{e}={OPERATIONS[k]}" for e, k in zip(EDGES, ops))
