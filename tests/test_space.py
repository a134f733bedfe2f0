import pytest

from wsnas.errors import WsnasError
from wsnas.core.space import CHILD_IDS, OPERATIONS, child_index, describe, parse_child


def test_child_ids_are_the_64_lexicographic_ids():
    assert len(CHILD_IDS) == 64
    assert CHILD_IDS[0] == "111" and CHILD_IDS[1] == "112" and CHILD_IDS[4] == "121" and CHILD_IDS[-1] == "444"
    assert list(CHILD_IDS) == sorted(CHILD_IDS)


def test_parse_child_digit_order_is_edge_order():
    assert parse_child("142") == (0, 3, 1)
    assert parse_child(243) == (1, 3, 2)
    assert describe("124") == "O(0,1)=max_pool_3x3, O(0,2)=sep_conv_3x3, O(1,2)=dil_conv_5x5"
    assert OPERATIONS == ("max_pool_3x3", "sep_conv_3x3", "sep_conv_5x5", "dil_conv_5x5")
    assert child_index("444") == 63


@pytest.mark.parametrize("bad", ["125", "11", "abc", "1111", "011", "", None])
def test_parse_child_rejects_bad_ids_naming_the_valid_form(bad):
    with pytest.raises(ValueError, match="three digits each in 1..4") as info:
        parse_child(bad)
    assert isinstance(info.value, WsnasError)
