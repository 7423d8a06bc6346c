"""The console's New export form read into an EvidenceExportRequest (web/export_form.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clickproof.domain.export_request import parse_export_request
from clickproof.domain.fields import Family
from clickproof.errors import (
    ExportFinishedError,
    InvalidDateError,
    InvalidFilterError,
    InvalidSelectError,
    ValidationError,
)
from clickproof.query.catalogue import field_catalogue
from clickproof.web.export_form import (
    CUSTOM,
    LAST_7_DAYS,
    LAST_MONTH,
    ExportFormState,
    last_month,
    read_form,
    request_body,
    retry_body,
    signer_bundle,
    window_dates,
)
from clickproof.web.forms import parse_form

NOW = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
CATALOGUE = field_catalogue({Family.CUSTOM: ["plan", "seats"], Family.RENDER: ["price", "CompanyName"]})


def test_the_window_presets() -> None:
    assert last_month(NOW) == (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert last_month(datetime(2026, 3, 31, 23, 59, tzinfo=UTC))[0] == datetime(2026, 2, 1, tzinfo=UTC)
    assert window_dates(ExportFormState(window=LAST_7_DAYS), NOW) == {
        "start_date": "2026-01-08T09:30:00.000Z"
    }
    assert window_dates(ExportFormState(window=LAST_MONTH), NOW) == {
        "start_date": "2025-12-01T00:00:00.000Z",
        "end_date": "2026-01-01T00:00:00.000Z",
    }


def test_a_custom_window_includes_its_last_day_and_ends_now_at_the_latest() -> None:
    state = ExportFormState(window=CUSTOM, start_date="2025-12-01", end_date="2025-12-31")
    assert window_dates(state, NOW) == {"start_date": "2025-12-01", "end_date": "2026-01-01T00:00:00.000Z"}
    today = ExportFormState(window=CUSTOM, start_date="2026-01-01", end_date="2026-01-15")
    assert window_dates(today, NOW) == {"start_date": "2026-01-01"}  # the end is now
    with pytest.raises(InvalidDateError, match="start_date is required"):
        window_dates(ExportFormState(window=CUSTOM), NOW)
    with pytest.raises(InvalidDateError, match="end_date must be a date") as caught:
        window_dates(ExportFormState(window=CUSTOM, start_date="2026-01-01", end_date="31/01/2026"), NOW)
    assert caught.value.field == "end_date"
    with pytest.raises(ValidationError, match="window must be one of"):
        window_dates(ExportFormState(window="always"), NOW)


def test_the_site_limit_is_the_request_parsers_with_its_message() -> None:
    state = ExportFormState(window=CUSTOM, start_date="2024-01-01", end_date="2025-01-01")
    body = request_body(state, CATALOGUE, NOW)
    with pytest.raises(ValidationError, match="exceeds this site's maximum of 365 days"):
        parse_export_request(body, now=NOW, max_export_days=365)


def test_columns_become_select_and_the_families_all_flags() -> None:
    form = parse_form(
        b"window=last_7_days&export_type=clickwrap_activities_as_pdfs&export_type=clickwrap_activities"
        b"&column=standard%3Aevent_type&column=standard%3Asite&column=connection%3Apage_url"
        b"&all=custom&all=render&column=custom%3Aplan&filter=%7B%22event_type%22%3A%22agreed%22%7D"
    )
    body = request_body(read_form(form), CATALOGUE, NOW)
    assert body["select"] == {
        "standard": ["site", "event_type"],  # in the catalogue's order
        "connection": ["page_url"],
        "render": ["CompanyName", "price"],  # "all" of a family without a flag: every key
    }
    assert body["custom_all"] is True and "standard_all" not in body
    assert body["export_types"] == ["clickwrap_activities", "clickwrap_activities_as_pdfs"]
    assert body["filter"] == {"event_type": "agreed"}
    parsed = parse_export_request(body, now=NOW, max_export_days=365)
    assert [c.name for c in parsed.columns(["plan", "seats"])][:5] == [
        "id",
        "signer_id",
        "created_time",
        "site",
        "event_type",
    ]
    everything = request_body(ExportFormState(), CATALOGUE, NOW)
    assert everything["standard_all"] is True and everything["select"] == {}
    assert "filter" not in everything


def test_bad_columns_and_filters_name_their_field() -> None:
    with pytest.raises(InvalidSelectError, match="family:name") as caught:
        request_body(ExportFormState(columns={"nonsense"}, all_families=set()), CATALOGUE, NOW)
    assert caught.value.field == "column"
    with pytest.raises(InvalidFilterError) as bad_json:
        request_body(ExportFormState(filter_text="{oops"), CATALOGUE, NOW)
    assert bad_json.value.field == "filter"
    assert "filter" not in request_body(ExportFormState(filter_text="  \n"), CATALOGUE, NOW)


def test_a_retry_asks_for_exactly_the_failed_jobs_request() -> None:
    original = parse_export_request(
        {
            "start_date": "2025-12-01T00:00:00.123456Z",
            "end_date": "2026-01-01T00:00:00Z",
            "filter": {"event_type": "agreed"},
            "sort": "-created_time",
            "custom_all": True,
            "export_types": ["clickwrap_activities_as_pdfs"],
        },
        now=NOW,
        max_export_days=365,
    )
    data = original.to_data(original.columns(["plan", "seats"]))
    again = parse_export_request(retry_body(data), now=NOW, max_export_days=365)
    redone = again.to_data(again.columns(["plan", "seats", "added_later"]))
    # The same rows and columns, even after the site gained a custom key (custom_all is resolved).
    for key in ("start_date", "end_date", "filter", "filter_description", "sort", "export_types", "columns"):
        assert redone[key] == data[key], key


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"columns": "x"},
        {"columns": [{"family": "nope", "name": "a"}], "start_date": "x", "end_date": "y"},
    ],
)
def test_a_stored_request_that_cannot_be_read_again_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ExportFinishedError, match="cannot be run again"):
        retry_body(data)


def test_a_signer_bundle_covers_their_history_as_csv_and_pdfs() -> None:
    state = signer_bundle("jane@example.com", datetime(2025, 12, 20, 17, 5, tzinfo=UTC), NOW, 90)
    assert (state.window, state.start_date, state.end_date) == (CUSTOM, "2025-12-20", "2026-01-15")
    body = request_body(state, CATALOGUE, NOW)
    assert body["start_date"] == "2025-12-20" and "end_date" not in body  # up to now
    assert body["filter"] == {"signer_id": "jane@example.com"}
    assert body["export_types"] == ["clickwrap_activities", "clickwrap_activities_as_pdfs"]
    parse_export_request(body, now=NOW, max_export_days=90)


def test_a_signer_bundle_reaches_back_as_far_as_the_site_allows() -> None:
    state = signer_bundle("s-1", datetime(2020, 1, 1, tzinfo=UTC), NOW, 30)
    assert state.start_date == "2025-12-17"  # 30 days up to and including today
    parse_export_request(request_body(state, CATALOGUE, NOW), now=NOW, max_export_days=30)


@given(
    signer_id=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), min_size=1),
    age=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4000)),
    max_days=st.integers(min_value=1, max_value=3660),
)
def test_every_signer_bundle_is_a_request_the_api_accepts(
    signer_id: str, age: timedelta, max_days: int
) -> None:
    state = signer_bundle(signer_id, NOW - age, NOW, max_days)
    body = request_body(state, CATALOGUE, NOW)
    assert body["filter"] == {"signer_id": signer_id}
    parse_export_request(body, now=NOW, max_export_days=max_days)
