"""The XML of in-band provisioning ([MS-SIPREGE] §2.2.2, `tls-dsk.md` §3.3): the phone's
`provisioningGroupList` and the registrar's `provisionGroupList`, written and read.

The registrar's document comes off the network, so it is read with the standard
library's parser under three bounds: a size limit, no DOCTYPE at all (so no
entity can be declared, let alone expanded), and nothing fetched. A Front End
never sends a DOCTYPE; a document that has one is refused, not cleaned.

The groups are written three ways, as MS-SIPREGE §2.2.2.5 shows them:
`ServerConfiguration` with one child element per property, `ucPolicy` with
`instance/property name=…`, the others with `propertyEntryList/property name=…`.
The reader takes a property in any of these shapes, in any group.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from phonesim.errors import PhonesimError

REQUEST_NS = "http://schemas.microsoft.com/2006/09/sip/provisioninggrouplist"
ANSWER_NS = "http://schemas.microsoft.com/2006/09/sip/provisiongrouplist-notification"
CONTENT_TYPE = "application/vnd-microsoft-roaming-provisioning-v2+xml"
MAX_DOCUMENT = 256 * 1024
"""Bytes: a real answer is a few KiB; anything past this is refused unread."""
SERVER_CONFIGURATION = "ServerConfiguration"
UC_POLICY = "ucPolicy"


class MalformedProvisioning(PhonesimError):
    """A provisioning document the phone refuses to read."""


@dataclass(frozen=True, slots=True)
class ProvisionedSettings:
    """What the phone keeps of the registrar's provisioning answer."""

    groups: tuple[str, ...]
    """The groups the answer carried, in its order."""
    pool: str | None
    """`poolUri`: the registrar pool the phone's home is on."""
    backup_pool: str | None
    """`backupPoolUri` [U]: the property name of the backup registrar is not published."""
    mras_uri: str | None
    """The Media Relay Authentication Service; a lab leaves it out (SIPE would call it)."""
    location_profile: str | None
    """`ucLocationProfile`: the dial plan the phone normalises numbers with."""
    server_configuration: Mapping[str, str]
    uc_policy: Mapping[str, str]

    def kept(self) -> dict[str, object]:
        """The key values, as a trace or result.json carries them."""
        return {
            "pool": self.pool,
            "backup_pool": self.backup_pool,
            "mras_uri": self.mras_uri,
            "location_profile": self.location_profile,
            "uc_policy": dict(self.uc_policy),
        }


def format_request(groups: Iterable[str]) -> bytes:
    """The phone's `provisioningGroupList` body."""
    inner = "".join(f"<provisioningGroup name={quoteattr(name)}/>" for name in groups)
    return f'<provisioningGroupList xmlns="{REQUEST_NS}">{inner}</provisioningGroupList>'.encode()


def requested_groups(body: bytes) -> tuple[str, ...]:
    """The group names a phone's `provisioningGroupList` asks for (the registrar's reading)."""
    root = _parse(body, "provisioningGroupList")
    return tuple(
        element.get("name") or ""
        for element in root.iter()
        if _local(element.tag) == "provisioningGroup"
    )


def format_answer(groups: Mapping[str, Mapping[str, str]]) -> bytes:
    """The registrar's `provisionGroupList`: each group's properties in its own shape."""
    parts = []
    for name, properties in groups.items():
        if name == SERVER_CONFIGURATION:
            inner = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in properties.items())
        else:
            entries = "".join(
                f"<property name={quoteattr(key)}>{escape(value)}</property>"
                for key, value in properties.items()
            )
            holder = "instance" if name == UC_POLICY else "propertyEntryList"
            inner = f"<{holder}>{entries}</{holder}>"
        parts.append(f"<provisionGroup name={quoteattr(name)}>{inner}</provisionGroup>")
    return f'<provisionGroupList xmlns="{ANSWER_NS}">{"".join(parts)}</provisionGroupList>'.encode()


def read_answer(body: bytes) -> ProvisionedSettings:
    """What the phone keeps of a `provisionGroupList` (MalformedProvisioning if unreadable)."""
    root = _parse(body, "provisionGroupList")
    groups: dict[str, dict[str, str]] = {}
    for group in root:
        if _local(group.tag) != "provisionGroup":
            continue
        name = group.get("name")
        if not name:
            raise MalformedProvisioning("a provisionGroup without a name")
        groups[sys.intern(name)] = _properties(group)
    server = groups.get(SERVER_CONFIGURATION, {})
    return ProvisionedSettings(
        groups=tuple(groups),
        pool=server.get("poolUri"),
        backup_pool=server.get("backupPoolUri"),
        mras_uri=server.get("mrasUri"),
        location_profile=server.get("ucLocationProfile"),
        server_configuration=MappingProxyType(server),
        uc_policy=MappingProxyType(groups.get(UC_POLICY, {})),
    )


def _properties(group: ElementTree.Element) -> dict[str, str]:
    # Interned: a fleet's phones all keep the same pool's settings for their whole hold,
    # and one copy of each name and value then serves them all.
    found: dict[str, str] = {}
    for element in group.iter():
        if element is group:
            continue
        text = sys.intern((element.text or "").strip())
        if _local(element.tag) == "property":
            name = element.get("name")
            if name:
                found[sys.intern(name)] = text
        elif len(element) == 0 and text:
            found[sys.intern(_local(element.tag))] = text
    return found


def _parse(body: bytes, root_name: str) -> ElementTree.Element:
    if len(body) > MAX_DOCUMENT:
        raise MalformedProvisioning(f"{len(body)} bytes, more than {MAX_DOCUMENT}")
    _refuse_declarations(body)
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError as error:
        raise MalformedProvisioning(f"not well-formed XML ({error})") from None
    if _local(root.tag) != root_name:
        raise MalformedProvisioning(f"the document is <{_local(root.tag)}>, not <{root_name}>")
    return root


def _refuse_declarations(body: bytes) -> None:
    """A first pass by expat itself, whatever the encoding, that stops at a DOCTYPE: the
    tree is built only from a document that declares nothing."""

    def refuse(*_: object) -> None:
        raise MalformedProvisioning("a DOCTYPE (refused: no entity is ever expanded)")

    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = refuse
    try:
        checker.Parse(body, True)
    except expat.ExpatError as error:
        raise MalformedProvisioning(f"not well-formed XML ({error})") from None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


__all__ = [
    "ANSWER_NS",
    "CONTENT_TYPE",
    "REQUEST_NS",
    "MalformedProvisioning",
    "ProvisionedSettings",
    "format_answer",
    "format_request",
    "read_answer",
    "requested_groups",
]
