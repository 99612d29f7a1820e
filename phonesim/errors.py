"""The exceptions phonesim raises on bad input.

Each carries what was wrong and where, so the command line can print one clear
line instead of a traceback. Anything else escaping is a bug in phonesim.
"""

from __future__ import annotations


class PhonesimError(Exception):
    """Base of every error caused by input, configuration or a peer, not by phonesim itself."""


class MalformedOption(PhonesimError):
    """A DHCP option value that cannot be decoded.

    `code` is the DHCP option (e.g. 120), `offset` the byte position inside the
    option value where decoding stopped, when known.
    """

    def __init__(self, code: int, reason: str, offset: int | None = None) -> None:
        self.code = code
        self.reason = reason
        self.offset = offset
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"option {code}: {reason}{where}")


class UnsupportedEncoding(MalformedOption):
    """Option 120 with an encoding byte other than 0 (names) or 1 (IPv4 addresses)."""

    def __init__(self, encoding: int) -> None:
        self.encoding = encoding
        super().__init__(
            120,
            f"encoding byte is {encoding}; only 0 (domain names) and 1 (IPv4 addresses) exist",
            offset=0,
        )


class MalformedDhcp(PhonesimError):
    """A DHCP message (not one option) that cannot be decoded."""

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"DHCP message: {reason}{where}")


class MalformedHex(PhonesimError):
    """Hex text (as pasted from DHCPUtil, netsh, Cisco IOS or a capture) that is not bytes.

    `offset` is the character position in the text where the problem is, when known.
    """

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at character {offset}" if offset is not None else ""
        super().__init__(f"hex text: {reason}{where}")


class MalformedPaste(MalformedHex):
    """Pasted server configuration (netsh, dnsmasq, ISC dhcpd, Cisco IOS, Kea, DHCPUtil) that
    cannot be read, or a paste in which nothing can be read.

    `line` is the line of the paste (from 1) when it has several, `offset` the
    character in that line (or in the text when it has one line), when known.
    """

    def __init__(self, reason: str, offset: int | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        self.line = line
        at_line = f"line {line}: " if line is not None else ""
        where = f" at character {offset}" if offset is not None else ""
        PhonesimError.__init__(self, f"pasted text: {at_line}{reason}{where}")


class ProfileError(PhonesimError):
    """A device profile that is missing, unreadable or has a bad field."""

    def __init__(self, source: str, field: str | None, reason: str) -> None:
        self.source = source
        self.field = field
        self.reason = reason
        at = f" field '{field}'" if field else ""
        super().__init__(f"profile {source}:{at} {reason}")


class LabDataError(PhonesimError):
    """A lab data file (users, scenario) that is missing or wrong."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class UsageError(PhonesimError):
    """A command-line value that does not make sense (bad address, unknown profile...)."""


class MalformedCertificate(PhonesimError):
    """Bytes that should hold a certificate, or a PKCS#7 bundle of them, but do not."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"certificate: {reason}")


class MalformedCertificateRequest(PhonesimError):
    """A PKCS#10 request that cannot be decoded or whose signature does not verify."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"certificate request: {reason}")


class MalformedServiceDocument(PhonesimError):
    """A web-service document (SOAP message, metadata, SAML assertion) that cannot be read.

    `document` names what was being read, e.g. "metadata" or "web ticket response".
    """

    def __init__(self, document: str, reason: str) -> None:
        self.document = document
        self.reason = reason
        super().__init__(f"{document}: {reason}")


class CaptureError(PhonesimError):
    """A capture file (pcap or pcapng) that cannot be read, or stops being readable.

    `offset` is the byte position in the file of the record or block where
    reading stopped (None when the file could not be opened at all), so a user
    can look at exactly that place with a hex editor or `editcap`.
    """

    def __init__(self, path: str, offset: int | None, reason: str) -> None:
        self.path = path
        self.offset = offset
        self.reason = reason
        where = f" at byte offset {offset}" if offset is not None else ""
        super().__init__(f"capture {path}{where}: {reason}")


class MalformedFrame(PhonesimError):
    """An Ethernet frame (its 802.1Q tag, or the LLDP TLVs it carries) that cannot be read.

    `offset` is the byte position in the frame where reading stopped, when known.
    """

    def __init__(self, reason: str, offset: int | None = None) -> None:
        self.reason = reason
        self.offset = offset
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"Ethernet frame: {reason}{where}")
