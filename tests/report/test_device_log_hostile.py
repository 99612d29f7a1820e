"""Device log lines that match the line pattern but hold no real time or nest too deep (D13)."""

from __future__ import annotations

import pytest

from phonesim.report.device_log import MalformedDeviceLog, parse_device_log

LINE = "{stamp} 0x00000A40 INFO  DHCP: inform_sent{rest}"
GOOD = "2026-11-23 10:15:02.123"


@pytest.mark.parametrize(
    "stamp",
    [
        "2026-13-01 10:15:02.123",
        "2026-11-23 25:08:20.000",
        "2026-02-30 10:15:02.123",
        "2026-11-23 10:15:61.000",
    ],
)
def test_d13_no_such_date_is_a_malformed_line(stamp: str) -> None:
    with pytest.raises(MalformedDeviceLog) as malformed:
        list(parse_device_log([LINE.format(stamp=stamp, rest="")]))
    assert "line 1" in str(malformed.value)


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_d13_value_nested_past_the_recursion_limit_is_a_malformed_line(opening: str) -> None:
    line = LINE.format(stamp=GOOD, rest=" k=" + opening * 5000)
    with pytest.raises(MalformedDeviceLog, match="nested too deep"):
        list(parse_device_log([line]))


def test_d13_good_line_still_reads() -> None:
    (record,) = parse_device_log([LINE.format(stamp=GOOD, rest=' xid="0x1a2b3c4d" k=[[1]]')])
    assert record.fields == {"xid": "0x1a2b3c4d", "k": [[1]]}
