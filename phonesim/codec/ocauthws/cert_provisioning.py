"""GetAndPublishCert messages ([MS-OCAUTHWS] 3.1.4.1), as the lab reads and writes them.

The request body is read strictly: the WS-Trust element must be in the namespace
*with* the trailing slash, as the protocol has it, so the lab notices a phone that
gets it wrong instead of hiding it. Refusals are answered in an `ErrorInfo` element
of a normal response, not as a SOAP fault; its content is not public, and phonesim
gives it an ErrorId and a Reason like Ms-Diagnostics.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from lxml import etree
from lxml.builder import ElementMaker

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.endpoints import (
    BASE64_ENCODING_TYPE,
    PKCS10_VALUE_TYPE,
    X509_TOKEN_TYPE,
    X509_VALUE_TYPE,
)
from phonesim.codec.ocauthws.wire import qname
from phonesim.errors import MalformedServiceDocument

_DOCUMENT = "GetAndPublishCert request"
_auth = ElementMaker(namespace=ns.AUTH_WEB_SERVICES, nsmap={None: ns.AUTH_WEB_SERVICES})
_wst = ElementMaker(namespace=ns.WST_CERT, nsmap={"wst": ns.WST_CERT})
_wsse = ElementMaker(namespace=ns.WSSE, nsmap={"wsse": ns.WSSE})
_wstep = ElementMaker(namespace=ns.WSTEP, nsmap={"wstep": ns.WSTEP})


@dataclass(frozen=True)
class CertificateRequestMessage:
    device_id: str
    entity: str
    csr_der: bytes
    request_id: str | None


def read_get_and_publish_cert(payload: etree._Element | None) -> CertificateRequestMessage:
    if payload is None or payload.tag != qname(ns.AUTH_WEB_SERVICES, "GetAndPublishCert"):
        found = "nothing" if payload is None else payload.tag
        raise MalformedServiceDocument(_DOCUMENT, f"body holds {found}, not GetAndPublishCert")
    device_id, entity = payload.get("DeviceId"), payload.get("Entity")
    if not device_id or not entity:
        raise MalformedServiceDocument(_DOCUMENT, "DeviceId and Entity attributes are required")
    rst = payload.find(qname(ns.WST_CERT, "RequestSecurityToken"))
    if rst is None:
        hint = ""
        if payload.find(qname(ns.WST, "RequestSecurityToken")) is not None:
            hint = f" (found one in {ns.WST}, without the trailing slash)"
        raise MalformedServiceDocument(_DOCUMENT, f"no RequestSecurityToken in {ns.WST_CERT}{hint}")
    token = rst.find(qname(ns.WSSE, "BinarySecurityToken"))
    if token is None or token.get("ValueType") != PKCS10_VALUE_TYPE:
        raise MalformedServiceDocument(_DOCUMENT, "no BinarySecurityToken of ValueType #PKCS10")
    try:
        csr_der = base64.b64decode("".join((token.text or "").split()), validate=True)
    except binascii.Error:
        raise MalformedServiceDocument(_DOCUMENT, "the PKCS#10 token is not base64") from None
    request_id = rst.findtext(qname(ns.WSTEP, "RequestID"))
    return CertificateRequestMessage(
        device_id=device_id,
        entity=entity,
        csr_der=csr_der,
        request_id=request_id.strip() if request_id else None,
    )


def certificate_response(cert_der: bytes, *, request_id: str | None) -> etree._Element:
    response = _wst.RequestSecurityTokenResponse(
        _wst.TokenType(X509_TOKEN_TYPE),
        _wstep.DispositionMessage("Issued"),
        _wst.RequestedSecurityToken(
            _wsse.BinarySecurityToken(
                base64.b64encode(cert_der).decode("ascii"),
                ValueType=X509_VALUE_TYPE,
                EncodingType=BASE64_ENCODING_TYPE,
            )
        ),
    )
    if request_id:
        response.append(_wstep.RequestID(request_id))
    return _auth.GetAndPublishCertResponse(response)


def error_info_response(error_id: int, reason: str) -> etree._Element:
    return _auth.GetAndPublishCertResponse(
        _auth.ErrorInfo(_auth.ErrorId(str(error_id)), _auth.Reason(reason))
    )
