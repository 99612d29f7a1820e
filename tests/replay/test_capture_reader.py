"""Reading captures record by record: same frames as scapy, offsets that point at them, clear errors."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from phonesim.errors import CaptureError
from phonesim.replay.capture_reader import CaptureReader
from tests.replay.captures import capture, pcap_record_offsets, pcapng_block_offsets

ALL_CAPTURES = [
    "lab-inform.pcap",
    "lab-dnsmasq-layout.pcap",
    "two-servers.pcapng",
    "voice-vlan-8021q.pcap",
    "qinq.pcap",
    "linux-cooked-sll.pcap",
    "linux-cooked-sll2.pcap",
    "raw-ip.pcap",
    "two-interfaces.pcapng",
    "split-option-43.pcap",
]


@pytest.mark.parametrize("name", ALL_CAPTURES)
def test_records_are_the_frames_and_times_scapy_reads(name: str) -> None:
    from scapy.utils import rdpcap

    expected = rdpcap(str(capture(name)))
    with CaptureReader(capture(name)) as reader:
        records = list(reader)
    assert [r.data for r in records] == [bytes(p) for p in expected]
    assert [r.time for r in records] == pytest.approx([float(p.time) for p in expected], abs=1e-6)
    assert [r.number for r in records] == list(range(1, len(expected) + 1))


def test_pcap_offsets_point_at_each_record_header() -> None:
    data = capture("voice-vlan-8021q.pcap").read_bytes()
    with CaptureReader(capture("voice-vlan-8021q.pcap")) as reader:
        records = list(reader)
    assert [r.offset for r in records] == [offset for offset, _ in pcap_record_offsets(data)]
    for record in records:
        caplen = struct.unpack_from("<I", data, record.offset + 8)[0]
        assert data[record.offset + 16 : record.offset + 16 + caplen] == record.data


def test_pcapng_with_two_interfaces_names_each_frame_s_interface_and_link_type() -> None:
    path = capture("two-interfaces.pcapng")
    with CaptureReader(path) as reader:
        records = list(reader)
        interfaces = {i.name: i for i in reader.format.interfaces}
    assert reader.format.kind == "pcapng"
    assert {r.interface for r in records} == {"eth0", "any"}
    assert {(r.interface, r.linktype) for r in records} == {("eth0", 1), ("any", 113)}
    assert interfaces["eth0"].packets + interfaces["any"].packets == len(records)
    blocks = pcapng_block_offsets(path.read_bytes())
    packet_blocks = [offset for offset, _length, kind in blocks if kind == 6]
    assert [r.offset for r in records] == packet_blocks


def test_a_file_cut_anywhere_yields_the_whole_records_then_names_the_cut_one(
    tmp_path: Path,
) -> None:
    data = capture("voice-vlan-8021q.pcap").read_bytes()
    records = pcap_record_offsets(data)
    cut_file = tmp_path / "cut.pcap"
    for cut in range(24, len(data), 5):
        cut_file.write_bytes(data[:cut])
        complete = [offset for offset, length in records if offset + length <= cut]
        got: list[int] = []
        try:
            with CaptureReader(cut_file) as reader:
                got.extend(record.offset for record in reader)
        except CaptureError as error:
            broken = next(offset for offset, length in records if offset + length > cut)
            assert error.offset == broken, f"cut at {cut}"
            assert "ends inside" in error.reason
        else:
            assert cut in [offset for offset, _ in records], f"cut at {cut} went unnoticed"
        assert got == complete


def test_a_pcapng_cut_inside_a_block_is_reported_at_that_block(tmp_path: Path) -> None:
    data = capture("two-interfaces.pcapng").read_bytes()
    blocks = pcapng_block_offsets(data)
    for offset, length, _kind in blocks[3:]:
        for cut in (offset + 4, offset + length // 2, offset + length - 1):
            cut_file = tmp_path / "cut.pcapng"
            cut_file.write_bytes(data[:cut])
            with pytest.raises(CaptureError) as raised, CaptureReader(cut_file) as reader:
                for _record in reader:
                    pass
            assert raised.value.offset == offset
            assert str(cut_file) in str(raised.value)


def test_a_corrupt_record_length_is_an_error_not_a_giant_read(tmp_path: Path) -> None:
    data = bytearray(capture("qinq.pcap").read_bytes())
    second = pcap_record_offsets(bytes(data))[1][0]
    struct.pack_into("<I", data, second + 8, 0x7FFF_FFFF)
    broken = tmp_path / "corrupt.pcap"
    broken.write_bytes(bytes(data))
    with pytest.raises(CaptureError) as raised, CaptureReader(broken) as reader:
        records = iter(reader)
        assert next(records).number == 1
        next(records)
    assert raised.value.offset == second
    assert "record 2" in raised.value.reason and "corrupt" in raised.value.reason


def test_a_corrupt_pcapng_block_length_is_refused_before_reading(tmp_path: Path) -> None:
    data = bytearray(capture("two-servers.pcapng").read_bytes())
    offset = next(o for o, _length, kind in pcapng_block_offsets(bytes(data)) if kind == 6)
    struct.pack_into("<I", data, offset + 4, 0x4000_0000)
    broken = tmp_path / "corrupt.pcapng"
    broken.write_bytes(bytes(data))
    with pytest.raises(CaptureError) as raised, CaptureReader(broken) as reader:
        list(reader)
    assert raised.value.offset == offset


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "not a pcap"),
        (b"GIF89a" + b"\x00" * 40, "not a pcap"),
        (b"\xd4\xc3\xb2\xa1\x02", "not a pcap"),
    ],
)
def test_a_file_that_is_not_a_capture_says_so(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "notes.pcap"
    path.write_bytes(content)
    with pytest.raises(CaptureError) as raised:
        CaptureReader(path).open()
    assert reason in str(raised.value) and str(path) in str(raised.value)


def test_a_missing_file_or_a_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="no such file"):
        CaptureReader(tmp_path / "absent.pcap").open()
    with pytest.raises(CaptureError, match="directory"):
        CaptureReader(tmp_path).open()


class _FailingStream:
    """A file whose disk fails after `good` bytes, as a dying USB stick or NFS mount does."""

    def __init__(self, stream: object, good: int) -> None:
        self._stream = stream
        self._good = good

    def read(self, size: int = -1) -> bytes:
        if self._stream.tell() + max(size, 0) > self._good:  # type: ignore[attr-defined]
            raise OSError(5, "Input/output error")
        return self._stream.read(size)  # type: ignore[attr-defined, no-any-return]

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@pytest.mark.parametrize("name", ["truncated.pcap", "two-servers.pcapng"])
def test_a_read_that_fails_mid_file_names_the_record_it_stopped_at(name: str) -> None:
    data = capture(name).read_bytes()
    if name.endswith(".pcapng"):
        second = [o for o, _, kind in pcapng_block_offsets(data) if kind == 6][1]
    else:
        second = pcap_record_offsets(data)[1][0]
    reader = CaptureReader(capture(name))
    reader.open()
    reader._reader.f = _FailingStream(reader._reader.f, second + 4)
    seen = []
    with pytest.raises(CaptureError) as raised:
        seen.extend(record.number for record in reader)
    reader.close()
    assert seen == [1]
    assert "reading failed" in str(raised.value)
    assert raised.value.offset == second
