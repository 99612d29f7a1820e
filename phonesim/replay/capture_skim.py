"""One pass over a capture: DHCP sessions out, DNS answers kept, everything else counted.

This is the hot path of `phonesim replay`: each record is looked at with a
few byte reads (`link_layers.find_udp`), and only DHCP and DNS datagrams are
decoded. Sessions come out as soon as they are complete, so the caller can
show (or replay) them while the rest of the file is still being read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

from phonesim.codec.dhcp_message import DhcpMessage, decode_dhcp_message
from phonesim.codec.link_layers import LINK_TYPE_NAMES, Skipped, UdpDatagram, find_udp
from phonesim.errors import CaptureError, PhonesimError
from phonesim.replay.capture_reader import CaptureFormat, CaptureReader
from phonesim.replay.dns_answers import DnsAnswerBook
from phonesim.replay.sessions import DhcpSession, SessionAssembler, SessionMessage

MAX_NOTES = 50
MAX_LEASE_DOMAINS = 4096


@dataclass(frozen=True, slots=True)
class SkimNote:
    """Something in the capture a user should know about (an unreadable DHCP message...)."""

    record: int
    offset: int
    text: str


@dataclass
class SkimStatistics:
    records: int = 0
    dhcp_messages: int = 0
    dhcp_server_messages: int = 0
    """DHCP messages a server sent (BOOTREPLY): none at all means the replies were not captured."""
    dns_messages: int = 0
    last_time: float | None = None
    """Capture time of the last record read."""
    skipped: Counter[str] = field(default_factory=Counter)
    unsupported_link_types: Counter[int] = field(default_factory=Counter)
    notes: list[SkimNote] = field(default_factory=list)
    notes_dropped: int = 0

    def note(self, record: int, offset: int, text: str) -> None:
        if len(self.notes) < MAX_NOTES:
            self.notes.append(SkimNote(record, offset, text))
        else:
            self.notes_dropped += 1


@dataclass(frozen=True)
class CaptureCoverage:
    """How much of the capture had been read when a session came out of it.

    Sessions come out while the file is still being read, so what is known
    about "the rest of the capture" is what was read by then; `complete`
    says whether that was all of it.
    """

    frames: int
    dhcp_server_messages: int
    last_time: float | None
    complete: bool
    """The file was read to its end, or to the damage in `error`."""
    end_offset: int
    """Byte offset where the readable part of the file ends."""
    error: CaptureError | None = None


class CaptureSkim:
    """Read a capture once; iterate `sessions()`; then look at `error`, `dns`, `statistics`.

    A capture that cannot be opened raises CaptureError from `sessions()`
    before anything is yielded. One that breaks part-way yields every session
    read so far, then stops and leaves the CaptureError in `error`.
    """

    def __init__(self, path: Path | str, *, assembler: SessionAssembler | None = None) -> None:
        self.path = Path(path)
        self.assembler = assembler or SessionAssembler()
        self.dns = DnsAnswerBook()
        self.statistics = SkimStatistics()
        self.format = CaptureFormat()
        self.error: CaptureError | None = None
        self.lease_domains: dict[str, str] = {}
        """Client MAC -> option 15 from the answers of its ordinary lease (DORA)."""
        self._reader: CaptureReader | None = None
        self._complete = False

    def coverage(self) -> CaptureCoverage:
        """What has been read so far: asked when a session comes out, it describes its context."""
        statistics = self.statistics
        return CaptureCoverage(
            frames=statistics.records,
            dhcp_server_messages=statistics.dhcp_server_messages,
            last_time=statistics.last_time,
            complete=self._complete,
            end_offset=self._reader.end_offset if self._reader is not None else 0,
            error=self.error,
        )

    def sessions(self) -> Generator[DhcpSession, None, None]:
        reader = CaptureReader(self.path)
        reader.open()
        self._reader = reader
        self.format = reader.format
        statistics = self.statistics
        skipped = statistics.skipped
        try:
            for record in reader:
                statistics.records += 1
                statistics.last_time = record.time
                found = find_udp(record.linktype, record.data)
                if isinstance(found, str):
                    skipped[found] += 1
                    if found is Skipped.LINK_TYPE:
                        statistics.unsupported_link_types[record.linktype] += 1
                    continue
                if found.is_dhcp:
                    message = self._dhcp_message(
                        record.number, record.offset, record.time, record.interface, found
                    )
                    if message is not None:
                        yield from self.assembler.add(message)
                elif found.is_dns:
                    statistics.dns_messages += 1
                    self.dns.feed(found.payload, time=record.time, source=found.source)
        except CaptureError as error:
            self.error = error
        finally:
            reader.close()
        self._complete = True
        yield from self.assembler.finish()

    def _dhcp_message(
        self, number: int, offset: int, time: float, interface: str, datagram: UdpDatagram
    ) -> SessionMessage | None:
        self.statistics.dhcp_messages += 1
        try:
            message = decode_dhcp_message(datagram.payload)
        except PhonesimError as error:
            self.statistics.note(
                number,
                offset,
                f"DHCP datagram {datagram.source}:{datagram.source_port} -> "
                f"{datagram.destination}:{datagram.destination_port} not readable: {error}",
            )
            return None
        if message.op != 1:
            self.statistics.dhcp_server_messages += 1
        domain = _domain(message) if message.op != 1 else None
        if domain is not None and (
            message.chaddr in self.lease_domains or len(self.lease_domains) < MAX_LEASE_DOMAINS
        ):
            self.lease_domains[message.chaddr] = domain
        return SessionMessage(
            time=time,
            record=number,
            offset=offset,
            interface=interface,
            vlans=datagram.vlans,
            source=f"{datagram.source}:{datagram.source_port}",
            destination=f"{datagram.destination}:{datagram.destination_port}",
            payload=datagram.payload,
            message=message,
        )

    def link_types(self) -> list[str]:
        """The link types of the capture's interfaces, by name, for the report."""
        names = []
        interfaces = self.format.interfaces
        used = [i for i in interfaces if i.packets] or interfaces
        for interface in used:
            kind = LINK_TYPE_NAMES.get(
                interface.linktype, f"link type {interface.linktype} (not read)"
            )
            label = f"{interface.name}: {kind}" if interface.name else kind
            names.append(f"{label}, {interface.packets} frame(s)")
        return names


def _domain(message: DhcpMessage) -> str | None:
    try:
        return message.domain_name
    except PhonesimError:
        return None


def read_sessions(path: Path | str) -> tuple[list[DhcpSession], CaptureSkim]:
    """All sessions of a (small) capture at once, for tests and the lab; errors stay in `.error`."""
    skim = CaptureSkim(path)
    return list(skim.sessions()), skim
