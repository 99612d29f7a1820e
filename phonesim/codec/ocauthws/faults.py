"""The Ms-Diagnostics detail of an OC Authentication SOAP fault ([MS-OCAUTHWS] 2.2.4.1).

`<af:Ms-Diagnostics-Fault><af:ErrorId>…</af:ErrorId><af:Reason>…</af:Reason>`,
af = urn:component:Microsoft.Rtc.WebAuthentication.2010. Readers look for it
anywhere inside the fault detail, since the specification also wraps it in an
OCSDiagnosticsFault element.
"""

from __future__ import annotations

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, read_error_id
from phonesim.codec.ocauthws.wire import local_name, qname


def ms_diagnostics_detail(diagnostics: MsDiagnostics) -> etree._Element:
    fault = etree.Element(qname(ns.AUTH_FAULT, "Ms-Diagnostics-Fault"), nsmap={"af": ns.AUTH_FAULT})
    etree.SubElement(fault, qname(ns.AUTH_FAULT, "ErrorId")).text = str(diagnostics.error_id)
    etree.SubElement(fault, qname(ns.AUTH_FAULT, "Reason")).text = diagnostics.reason
    return fault


def read_ms_diagnostics(
    detail: etree._Element | None, source: str | None = None
) -> MsDiagnostics | None:
    """None when the detail carries no usable Ms-Diagnostics (absent, or ErrorId not a number)."""
    if detail is None:
        return None
    fault = (
        detail
        if _is_diagnostics(detail)
        else next((el for el in detail.iter(etree.Element) if _is_diagnostics(el)), None)
    )
    if fault is None:
        return None
    texts = {
        local_name(child): (child.text or "").strip() for child in fault.iterchildren(etree.Element)
    }
    error_id = read_error_id(texts.get("ErrorId"))
    if error_id is None:
        return None
    return MsDiagnostics(error_id=error_id, reason=texts.get("Reason", ""), source=source)


def _is_diagnostics(element: etree._Element) -> bool:
    return local_name(element) == "Ms-Diagnostics-Fault"
