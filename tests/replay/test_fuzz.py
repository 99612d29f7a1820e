"""Whatever a capture holds, replay's readers answer with a reading or our own error."""

from __future__ import annotations

import struct
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.errors import CaptureError
from phonesim.replay.capture_skim import CaptureSkim
from phonesim.replay.dns_answers import DnsAnswerBook
from phonesim.replay.option_forensics import read_option
from tests.replay.captures import capture

FUZZ = settings(max_examples=300, deadline=None)
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)


@FUZZ
@given(
    st.sampled_from([43, 60, 120, 1, 6, 15, 42, 51, 53, 55, 57, 61, 52, 200]),
    st.binary(max_size=300),
    st.sampled_from([None, "MS-UC-Client", "CPE-OCPHONE", "other"]),
)
def test_reading_an_option_never_raises(code: int, value: bytes, vendor_class: str | None) -> None:
    reading = read_option(code, value, vendor_class=vendor_class)
    hash(reading.meaning)
    reading.to_json()


@FUZZ
@given(st.binary(max_size=600))
def test_the_dns_book_never_raises(payload: bytes) -> None:
    book = DnsAnswerBook()
    book.feed(payload, time=0.0, source="192.0.2.53")
    book.lookup("_sipinternaltls._tcp.contoso.test", "SRV", near=0.0)


def skim_bytes(data: bytes) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.pcap"
        path.write_bytes(data)
        skim = CaptureSkim(path)
        try:
            list(skim.sessions())
        except CaptureError:
            return
        assert skim.error is None or isinstance(skim.error, CaptureError)


@FUZZ
@given(st.binary(max_size=800))
def test_a_pcap_body_of_any_bytes_is_read_or_refused_with_an_offset(body: bytes) -> None:
    skim_bytes(PCAP_HEADER + body)


@FUZZ
@given(st.data())
def test_a_real_capture_with_flipped_bytes_is_read_or_refused_with_an_offset(
    data: st.DataObject,
) -> None:
    name = data.draw(st.sampled_from(["two-interfaces.pcapng", "voice-vlan-8021q.pcap"]))
    original = bytearray(capture(name).read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(original) - 1))
        original[at] = data.draw(st.integers(0, 255))
    skim_bytes(bytes(original))
