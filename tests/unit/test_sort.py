import pytest

from clickproof.errors import InvalidSortError
from clickproof.query.sort import SortKey, format_sort, parse_sort


def test_default_sort_is_newest_first_with_id_tie_break() -> None:
    assert parse_sort(None) == (SortKey("created_time", True), SortKey("id", True))
    assert format_sort(parse_sort("")) == "-created_time,-id"


def test_multiple_keys() -> None:
    assert format_sort(parse_sort("event_type, -version_number")) == "event_type,-version_number,-id"
    assert format_sort(parse_sort("id")) == "id"


@pytest.mark.parametrize(
    "raw", ["created_time; DROP", "-", "--created_time", "nope", "a,b,c,d", "id,id", 5, "created_time,,id"]
)
def test_bad_sorts(raw: object) -> None:
    with pytest.raises(InvalidSortError) as info:
        parse_sort(raw)
    assert info.value.field == "sort"


def test_at_most_three_keys() -> None:
    parse_sort("event_type,version_number,created_time")
    with pytest.raises(InvalidSortError):
        parse_sort("event_type,version_number,created_time,batch")


def test_family_keys_related_fields_and_aliases() -> None:
    assert (
        format_sort(parse_sort("-custom_data.plan,contract.title")) == "-custom_data.plan,contract.title,id"
    )
    assert format_sort(parse_sort("contract._id")) == "contract,id"
    assert format_sort(parse_sort("render_data.a.b")) == "render_data.a.b,id"
    with pytest.raises(InvalidSortError):
        parse_sort("contract,contract._id")
    with pytest.raises(InvalidSortError):
        parse_sort("custom_data.")
    with pytest.raises(InvalidSortError) as info:
        parse_sort("contract.body")
    assert "contract.title" in info.value.message


def test_sort_key_length_boundary() -> None:
    parse_sort("custom_data." + "k" * 256)
    with pytest.raises(InvalidSortError):
        parse_sort("custom_data." + "k" * 257)
