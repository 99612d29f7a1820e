"""XML namespaces of the OC Authentication Web Services ([MS-OCAUTHWS]) and what they build on.

Two WS-Trust names are deliberate: the Web Ticket service speaks plain WS-Trust 1.3
(`WST`), while the body of GetAndPublishCert uses the same URI *with* a trailing
slash (`WST_CERT`), exactly as [MS-OCAUTHWS] and the pidgin-sipe client write it.
A server that compared them loosely would hide a client bug, so they stay distinct.
"""

from __future__ import annotations

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"

AUTH_WEB_SERVICES = "http://schemas.microsoft.com/OCS/AuthWebServices/"
AUTH_FAULT = "urn:component:Microsoft.Rtc.WebAuthentication.2010"

WST = "http://docs.oasis-open.org/ws-sx/ws-trust/200512"
WST_CERT = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/"
WSTEP = "http://schemas.microsoft.com/windows/pki/2009/01/enrollment"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA = "http://www.w3.org/2005/08/addressing"
WSP = "http://schemas.xmlsoap.org/ws/2004/09/policy"
SP = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702"
SAML = "urn:oasis:names:tc:SAML:1.0:assertion"

PREFIXES: dict[str, str] = {
    "s": SOAP_ENV,
    "wsdl": WSDL,
    "soap": WSDL_SOAP,
    "auth": AUTH_WEB_SERVICES,
    "af": AUTH_FAULT,
    "wst": WST,
    "wstc": WST_CERT,
    "wstep": WSTEP,
    "wsse": WSSE,
    "wsu": WSU,
    "wsa": WSA,
    "wsp": WSP,
    "sp": SP,
    "saml": SAML,
}
"""Prefixes for XPath queries; documents may use any prefixes they like."""
