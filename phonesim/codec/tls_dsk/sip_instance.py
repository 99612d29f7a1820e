"""`+sip.instance` from `epid`, as MS-SIPRE derives it.

A registrar that sees both on a REGISTER checks that one was derived from the
other (MS-SIPAE §3.3.5.2), so the phone cannot pick its instance id freely: a
name-based (version 5) UUID from SHA-1 over a fixed namespace GUID in Windows'
little-endian layout followed by the epid (pidgin-sipe `generateUUIDfromEPID`).
"""

from __future__ import annotations

import hashlib
import uuid

_NAMESPACE = uuid.UUID("fcacfb03-8a73-46ef-91b1-e5ebeeaba4fe")


def instance_from_epid(epid: str) -> str:
    """`01010101` → `4b1682a8-f968-5701-83fc-7c6741dc6697` (lower case, no braces)."""
    digest = hashlib.sha1(_NAMESPACE.bytes_le + epid.encode("utf-8")).digest()
    return str(uuid.UUID(bytes_le=digest[:16], version=5))


def sip_instance_param(epid: str) -> str:
    """The Contact parameter's value: `"<urn:uuid:…>"`, quotes included."""
    return f'"<urn:uuid:{instance_from_epid(epid)}>"'
