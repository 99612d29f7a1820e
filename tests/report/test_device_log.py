"""The cpsw3g.log writer and its parser agree: what is written reads back the same."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonesim.core.commands import Trace
from phonesim.report.device_log import (
    DeviceLogWriter,
    MalformedDeviceLog,
    format_line,
    parse_device_log,
)

POWER_ON = datetime(2026, 11, 23, 10, 15, 2, 123000, tzinfo=UTC)

json_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
field_names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)


def test_a_line_has_time_thread_level_component_event_and_fields() -> None:
    trace = Trace(
        0.25, "dhcp", "inform_sent", {"xid": "0x1a2b3c4d", "attempt": 1, "requested": [43, 120]}
    )
    line = format_line(trace, POWER_ON)
    assert line == (
        "2026-11-23 10:15:02.373 0x00000A40 INFO  DHCP: inform_sent "
        "xid=0x1a2b3c4d attempt=1 requested=[43,120]"
    )


def test_strings_that_look_like_numbers_stay_strings() -> None:
    trace = Trace(
        0.0, "webticket", "request", {"username": "5551234", "note": "two words", "empty": ""}
    )
    (record,) = parse_device_log([format_line(trace, POWER_ON)])
    assert record.fields == {"username": "5551234", "note": "two words", "empty": ""}


@given(
    t=st.floats(min_value=0, max_value=10_000, allow_nan=False),
    stage=st.sampled_from(["dhcp", "dns", "registrar", "certprov"]),
    event=st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True),
    level=st.sampled_from(["info", "warning", "error"]),
    fields=st.dictionaries(field_names, json_values, max_size=6),
)
def test_any_event_round_trips(t: float, stage: str, event: str, level: str, fields: dict) -> None:
    line = format_line(Trace(t, stage, event, fields, level), POWER_ON)
    (record,) = parse_device_log([line])
    assert (record.component, record.event, record.level) == (stage, event, level)
    assert record.fields == fields


def test_the_writer_puts_a_comment_header_that_the_parser_skips() -> None:
    stream = io.StringIO()
    writer = DeviceLogWriter(
        stream, POWER_ON, {"profile": "polycom-cx600", "mac": "00:04:f2:00:00:01"}
    )
    writer.write(Trace(1.5, "registrar", "challenge", {"status": 401}))
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("# cpsw3g.log")
    records = list(parse_device_log(lines))
    assert [r.event for r in records] == ["challenge"]
    assert records[0].when == datetime(2026, 11, 23, 10, 15, 3, 623000, tzinfo=UTC)


def test_a_foreign_line_is_reported_with_its_number() -> None:
    with pytest.raises(MalformedDeviceLog, match="line 2"):
        list(parse_device_log(["# header", "this is not a device log line"]))
