"""Reading and writing the XML of these services safely and the same way everywhere.

Every document comes from the network (or goes to a phone under test), so the
parser resolves no entities and fetches nothing; times are written as WCF does
(UTC, `Z`) and read in any ISO 8601 form a server might use.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from phonesim.errors import MalformedServiceDocument

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def parse_xml(data: bytes, document: str) -> etree._Element:
    """`document` names what is being read, for the error message."""
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedServiceDocument(document, f"not well-formed XML ({exc})") from None
    if root is None:
        raise MalformedServiceDocument(document, "empty document")
    return root


def to_bytes(element: etree._Element) -> bytes:
    serialized: bytes = etree.tostring(element, xml_declaration=True, encoding="utf-8")
    return serialized


def qname(namespace: str, local: str) -> str:
    return f"{{{namespace}}}{local}"


def local_name(element: etree._Element) -> str:
    """ "" for what is not an element: a processing instruction, comment or (entities
    being left unresolved) entity reference sits among the children of any element
    a server sends, and must read as a name no reader looks for."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def format_instant(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def parse_instant(text: str | None, document: str, field: str) -> datetime:
    if not text:
        raise MalformedServiceDocument(document, f"{field} is missing")
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MalformedServiceDocument(document, f"{field} is not a time: {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
