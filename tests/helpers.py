"""What several test modules share."""

import torch


def assert_same_state(a, b, path="state", skip=("history",)) -> None:
    """Two checkpoints (nested dicts, lists, tensors) hold bit-identical values; ``skip``: keys whose
    values are timings."""
    assert type(a) is type(b), path
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            if key not in skip:
                assert_same_state(a[key], b[key], f"{path}.{key}", skip)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same_state(x, y, f"{path}[{i}]", skip)
    elif isinstance(a, torch.Tensor):
        assert a.dtype == b.dtype and torch.equal(a, b), path
    else:
        assert a == b, path
