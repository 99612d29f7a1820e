"""Reading pcap and pcapng files record by record, with where each record sits in the file.

scapy's raw readers do the parsing (`RawPcapReader` picks pcap or pcapng from
the magic); this module adds what a user of a customer's capture needs from
them: a byte offset for every record, and one clear error at the offset where
a truncated or corrupt file stops being readable, instead of scapy's silent
end of file. Nothing is held beyond the current record, so a capture of any
size is read in constant memory.

pcapng is read one block at a time (scapy's `_read_block`, the step its own
iterator loops over), because only then does an offset point at the block
that failed rather than at the first of several blocks read together.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from phonesim.errors import CaptureError

PCAP_RECORD_HEADER = 16
PCAPNG_BLOCK_HEADER = 8
MAX_RECORD_BYTES = 262_144
"""tcpdump's largest snap length: a record claiming more is a corrupt header."""
SCAPY_RECORD_READ = 4 * 65535
"""scapy reads at most this much of one pcap record and skips the rest."""
MAX_BLOCK_BYTES = 16 * 1024 * 1024
"""Bound on a pcapng block, so a corrupt length cannot make the reader swallow the file."""
PCAPNG_SECTION_HEADER = 0x0A0D0D0A
PCAPNG_OBSOLETE_PACKET = 2
PCAPNG_SIMPLE_PACKET = 3
PCAPNG_ENHANCED_PACKET = 6


@dataclass(frozen=True, slots=True)
class CaptureRecord:
    """One captured frame and where it came from."""

    number: int
    """1-based position among the file's packets, as Wireshark numbers frames."""
    offset: int
    """Byte offset of the record (pcap) or block (pcapng) in the file."""
    time: float
    """Capture time, seconds since the Unix epoch."""
    linktype: int
    interface: str
    """pcapng interface name (or `if<N>`); empty for pcap, which has one interface."""
    data: bytes
    wire_length: int


@dataclass
class CaptureInterface:
    index: int
    name: str
    linktype: int
    packets: int = 0


@dataclass
class CaptureFormat:
    kind: str = "pcap"
    """pcap | pcapng"""
    interfaces: list[CaptureInterface] = field(default_factory=list)


class CaptureReader:
    """Iterate a capture's records; raises CaptureError where the file stops making sense.

    Use as a context manager; records read before an error have been yielded
    already, so a caller can report them before the error.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.format = CaptureFormat()
        self._reader: Any = None
        self._file_size: int | None = None
        self.end_offset = 0
        """Byte offset just past the last whole record read: where the readable part ends."""
        self._scapy_log_level: int | None = None

    def __enter__(self) -> CaptureReader:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def open(self) -> None:
        from scapy.error import Scapy_Exception
        from scapy.utils import RawPcapNgReader, RawPcapReader

        name = str(self.path)
        # scapy warns on its logger about every odd record; the errors raised
        # here say the same once, with the offset.
        scapy_log = logging.getLogger("scapy.runtime")
        self._scapy_log_level = scapy_log.level
        scapy_log.setLevel(logging.ERROR)
        try:
            self._reader = RawPcapReader(name)
        except OSError as error:
            self._restore_log()
            raise CaptureError(name, None, _open_failure(self.path, error)) from None
        except (Scapy_Exception, EOFError, struct.error) as error:
            self._restore_log()
            raise CaptureError(
                name, 0, f"not a pcap or pcapng file, or its file header is damaged ({error})"
            ) from None
        self.end_offset = self._reader.f.tell()
        if isinstance(self._reader, RawPcapNgReader):
            self.format.kind = "pcapng"
            self._note_interfaces()
        else:
            self.format.interfaces.append(CaptureInterface(0, "", int(self._reader.linktype)))
        raw = getattr(self._reader.f, "raw", None)
        if raw is not None and hasattr(raw, "fileno"):
            try:
                self._file_size = os.fstat(raw.fileno()).st_size
            except OSError:
                self._file_size = None

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._restore_log()

    def _restore_log(self) -> None:
        if self._scapy_log_level is not None:
            logging.getLogger("scapy.runtime").setLevel(self._scapy_log_level)
            self._scapy_log_level = None

    def __iter__(self) -> Iterator[CaptureRecord]:
        if self._reader is None:
            self.open()
        if self.format.kind == "pcapng":
            return self._pcapng_records()
        return self._pcap_records()

    # ------------------------------------------------------------------ pcap

    def _pcap_records(self) -> Iterator[CaptureRecord]:
        reader = self._reader
        stream = reader.f
        divisor = 1e9 if reader.nano else 1e6
        linktype = int(reader.linktype)
        interface = self.format.interfaces[0]
        number = 0
        while True:
            offset = stream.tell()
            try:
                data, meta = reader._read_packet(size=MAX_RECORD_BYTES)
            except OSError as error:
                raise self._read_failure(offset, error) from None
            except EOFError:
                if stream.tell() != offset:
                    raise self._error(
                        offset,
                        f"the file ends inside the header of record {number + 1} "
                        f"({stream.tell() - offset} of {PCAP_RECORD_HEADER} bytes)",
                    ) from None
                if self._file_size is not None and offset < self._file_size:
                    # scapy turns a failed read (EIO on a dying disk or mount) into EOFError;
                    # stopping silently would pass for the end of the capture.
                    raise self._error(
                        offset,
                        f"reading failed before the end of the file "
                        f"({offset} of {self._file_size} bytes read)",
                    ) from None
                return
            if meta.caplen > MAX_RECORD_BYTES:
                raise self._error(
                    offset,
                    f"record {number + 1} claims {meta.caplen} captured bytes "
                    f"(more than {MAX_RECORD_BYTES}): its header is corrupt",
                )
            if len(data) < min(meta.caplen, SCAPY_RECORD_READ):
                raise self._error(
                    offset,
                    f"the file ends inside record {number + 1} "
                    f"({len(data)} of {meta.caplen} bytes present)",
                )
            number += 1
            interface.packets += 1
            self.end_offset = stream.tell()
            yield CaptureRecord(
                number=number,
                offset=offset,
                time=meta.sec + meta.usec / divisor,
                linktype=linktype,
                interface="",
                data=data,
                wire_length=int(meta.wirelen),
            )

    # ---------------------------------------------------------------- pcapng

    def _pcapng_records(self) -> Iterator[CaptureRecord]:
        reader = self._reader
        stream = reader.f
        number = 0
        last_time = 0.0
        while True:
            offset = stream.tell()
            try:
                interface_index = self._check_block(offset)
                block = reader._read_block()
            except OSError as error:
                raise self._read_failure(offset, error) from None
            except EOFError:
                if stream.tell() == offset:
                    return
                raise self._block_error(offset) from None
            except Exception as error:
                # Damaged option or block contents make scapy raise from deep inside.
                raise self._error(offset, f"corrupt pcapng block ({error})") from None
            self._note_interfaces()
            self.end_offset = stream.tell()
            if block is None:
                continue
            data, meta = block
            number += 1
            if meta.tshigh is not None:
                last_time = ((meta.tshigh << 32) | meta.tslow) / meta.tsresol
            interface = self._interface(interface_index)
            if interface is not None:
                interface.packets += 1
            yield CaptureRecord(
                number=number,
                offset=offset,
                time=last_time,
                linktype=int(meta.linktype),
                interface=interface.name if interface is not None else "",
                data=data,
                wire_length=int(meta.wirelen),
            )

    def _check_block(self, offset: int) -> int:
        """Refuse a block whose length runs past the file or is absurd, before scapy reads it.

        Returns the interface index a packet block names (scapy's metadata
        gives only the name, which unnamed interfaces lack), or -1.
        """
        header = _peek(self._reader.f, PCAPNG_BLOCK_HEADER + 4)
        if len(header) < PCAPNG_BLOCK_HEADER:
            return -1
        endian = self._reader.endian
        block_type, length = struct.unpack(endian + "II", header[:8])
        if block_type == PCAPNG_SECTION_HEADER:
            return -1  # its length is in the section's own byte order; scapy checks it
        if length > MAX_BLOCK_BYTES:
            raise self._error(
                offset, f"block of type {block_type} claims {length} bytes: its header is corrupt"
            )
        if self._file_size is not None and offset + length > self._file_size:
            raise self._error(
                offset,
                f"the file ends inside a block of type {block_type} "
                f"({self._file_size - offset} of {length} bytes present)",
            )
        if len(header) < 12:
            return -1
        if block_type == PCAPNG_ENHANCED_PACKET:
            return int(struct.unpack(endian + "I", header[8:12])[0])
        if block_type == PCAPNG_OBSOLETE_PACKET:
            return int(struct.unpack(endian + "H", header[8:10])[0])
        return 0 if block_type == PCAPNG_SIMPLE_PACKET else -1

    def _block_error(self, offset: int) -> CaptureError:
        if self._file_size is not None and self._reader.f.tell() >= self._file_size:
            return self._error(offset, "the file ends inside this pcapng block")
        return self._error(offset, "corrupt pcapng block (its length fields disagree)")

    def _note_interfaces(self) -> None:
        known = self.format.interfaces
        for index in range(len(known), len(self._reader.interfaces)):
            linktype, _snaplen, options = self._reader.interfaces[index]
            name = options.get("name", b"")
            text = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
            known.append(CaptureInterface(index, text or f"if{index}", int(linktype)))

    def _interface(self, index: int) -> CaptureInterface | None:
        known = self.format.interfaces
        return known[index] if 0 <= index < len(known) else None

    def _error(self, offset: int, reason: str) -> CaptureError:
        return CaptureError(str(self.path), offset, reason)

    def _read_failure(self, offset: int, error: OSError) -> CaptureError:
        return self._error(offset, f"reading failed: {error.strerror or error}")


def _open_failure(path: Path, error: OSError) -> str:
    """Why the file cannot be opened, in words."""
    if isinstance(error, FileNotFoundError):
        return "no such file"
    if isinstance(error, IsADirectoryError):
        return "is a directory, not a capture file"
    if isinstance(error, PermissionError):
        # EACCES from a folder on the way reads the same as from the file itself; a
        # user fixes a different thing in each case.
        for folder in reversed(path.absolute().parents):
            if not os.access(folder, os.X_OK):
                return f"permission denied (the folder {folder} cannot be entered)"
        return "permission denied"
    return f"cannot be read: {error.strerror or error}"


def _peek(stream: Any, size: int) -> bytes:
    """The next `size` bytes without consuming them (buffered and gzip streams can peek)."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return b""
    data = bytes(peek(size))
    if len(data) >= size:
        return data[:size]
    # A buffered peek may return less than asked near a buffer boundary.
    position = stream.tell()
    data = stream.read(size)
    stream.seek(position)
    return bytes(data)
