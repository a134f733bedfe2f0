import pytest
import torch
import torch.nn.functional as F

from wsnas.errors import WsnasError
from wsnas.core.model import WeightSharingNet
from wsnas.core.sharing import assignment, group_partition, groups_of
from wsnas.core.space import CHILD_IDS, child_index

MODEL = {"stem_channels": 8, "stem_convs": 2, "cell_channels": 4, "num_cells": 4, "bn_momentum": 0.4}


def net(mode, **kw):
    sharing = {"mode": mode, "groups": 4, "grouping": "similarity", "grouping_seed": 0, "prefix_cells": 2, **kw}
    torch.manual_seed(0)
    return WeightSharingNet(MODEL, sharing)


def ids(params):
    return {id(p) for p in params}


def test_forward_shapes_and_no_downsampling():
    model = net("full")
    x = torch.randn(5, 3, 12, 12)
    assert model(x, 0).shape == (5, 10)
    h = model.slots["stem"][0](x)
    for i in range(4):
        h = model.slots[f"cell{i}"][0](h, (1, 2, 3))
        assert h.shape == (5, 8, 12, 12)  # 2 * cell_channels, spatial size kept


def test_operation_bns_are_not_affine_and_momentum_is_configured():
    model = net("full")
    cell = model.slots["cell0"][0]
    for edge in cell.edges:
        for op in edge:
            for m in op.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    assert not m.affine and m.momentum == 0.4
    assert isinstance(cell.edges[0][3][1], torch.nn.Conv2d) and cell.edges[0][3][1].dilation == (2, 2)


def test_full_sharing_every_child_uses_the_same_stem_and_head():
    model = net("full")
    a, b = child_index("111"), child_index("444")
    assert ids(model.slots["stem"][0].parameters()) <= ids(model.parameters_of(a)) & ids(model.parameters_of(b))
    assert len(model.slots["head"]) == 1


def test_group_sharing_gives_each_group_its_own_copy():
    model = net("group", groups=4)
    assert [len(model.slots[s]) for s in ("stem", "cell0", "head")] == [4, 4, 4]
    a, b, c = child_index("111"), child_index("144"), child_index("211")  # similarity: 16-child slices
    assert ids(model.parameters_of(a)) == ids(model.parameters_of(b))
    assert not ids(model.parameters_of(a)) & ids(model.parameters_of(c))


def test_prefix_sharing_shares_stem_and_first_k_cells_only():
    model = net("prefix", prefix_cells=2)
    a, b = 0, 37
    shared = ids(model.parameters_of(a)) & ids(model.parameters_of(b))
    assert shared == ids(p for s in ("stem", "cell0", "cell1") for p in model.slots[s].parameters())
    assert len(model.slots["cell2"]) == 64 and len(model.slots["head"]) == 64


def test_standalone_children_share_nothing():
    model = net("standalone")
    assert not ids(model.parameters_of(3)) & ids(model.parameters_of(4))


def test_similarity_partition_is_lexicographic_slices():
    part = group_partition(8, "similarity")
    group0 = [c for c, g in zip(CHILD_IDS, part) if g == 0]
    group1 = [c for c, g in zip(CHILD_IDS, part) if g == 1]
    assert group0 == ["111", "112", "113", "114", "121", "122", "123", "124"]
    assert group1[0] == "131" and group1[-1] == "144"


def test_random_partition_is_seeded_stable_and_balanced():
    a, b = group_partition(16, "random", seed=3), group_partition(16, "random", seed=3)
    assert a == b
    assert sorted(a.count(g) for g in range(16)) == [4] * 16
    assert group_partition(16, "random", seed=4) != a
    assert a != group_partition(16, "similarity")


def test_groups_of_assignment():
    sharing = {"mode": "group", "groups": 2, "grouping": "similarity", "grouping_seed": 0, "prefix_cells": 0}
    assert groups_of(assignment(sharing, 4)) == [list(range(32)), list(range(32, 64))]
    with pytest.raises(WsnasError, match="sharing.groups"):
        group_partition(3, "random")


def test_shared_computation_cache_matches_plain_forward():
    model = net("prefix", prefix_cells=1).eval()
    x = torch.randn(6, 3, 8, 8)
    cache = {}
    with torch.no_grad():
        for child in range(64):
            assert torch.allclose(model(x, child, cache), model(x, child), atol=1e-6)
    # stem once, cell0: preprocess once + 4 O01 + 4 O02 + 16 O12
    assert len(cache) == 1 + 1 + 4 + 4 + 16


def test_forward_weighted_with_one_hot_weights_is_the_child():
    model = net("full").eval()
    x = torch.randn(4, 3, 8, 8)
    ops = (1, 3, 0)
    weights = F.one_hot(torch.tensor(ops), 4).float()
    with torch.no_grad():
        assert torch.allclose(model.forward_weighted(x, weights), model(x, child_index("241")), atol=1e-6)


@pytest.mark.parametrize("channels_last", [True, False])
def test_dilated_depthwise_is_the_dilated_convolution(channels_last):
    """Space to depth on the CPU: the output bitwise, the gradients to rounding (the input gradient
    bitwise too in channels_last, the CPU default)."""
    from wsnas.core.operations import DilatedDepthwise

    torch.manual_seed(0)
    fast = DilatedDepthwise(16, 16, 5, padding=4, dilation=2, groups=16, bias=False)
    plain = torch.nn.Conv2d(16, 16, 5, padding=4, dilation=2, groups=16, bias=False)
    plain.load_state_dict(fast.state_dict())
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    for shape in [(8, 16, 8, 8), (4, 16, 7, 7)]:  # 7 x 7 does not split into 2 x 2 sub-images: the plain path
        x = torch.randn(shape).contiguous(memory_format=fmt).requires_grad_()
        a, b = fast(x), plain(x)
        assert torch.equal(a, b) and a.is_contiguous(memory_format=fmt)
        g = torch.randn_like(a)
        (ga, wa), (gb, wb) = torch.autograd.grad(a, (x, fast.weight), g), torch.autograd.grad(b, (x, plain.weight), g)
        assert torch.equal(ga, gb) if channels_last else torch.allclose(ga, gb, rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(wa, wb, rtol=1e-5, atol=1e-4)
