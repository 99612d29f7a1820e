"""The OC Authentication Web Services messages, read and written without a network."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from phonesim.codec.ocauthws import ROOT_CHAIN_PATH
from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.cert_provisioning import read_get_and_publish_cert
from phonesim.codec.ocauthws.diagnostics import MsDiagnostics, format_header, parse_header
from phonesim.codec.ocauthws.faults import ms_diagnostics_detail, read_ms_diagnostics
from phonesim.codec.ocauthws.metadata import parse_metadata
from phonesim.codec.ocauthws.pin_credentials import (
    PinCredentials,
    pin_security_header,
    read_pin_credentials,
    redact_pin,
)
from phonesim.codec.ocauthws.soap import build_fault, read_envelope, read_fault
from phonesim.errors import MalformedServiceDocument


def test_root_chain_path_is_under_the_anonymous_cert_prov_service():
    assert ROOT_CHAIN_PATH == "/CertProv/CertProvisioningService.svc/rootchain"


def test_diagnostics_header_round_trip_and_real_world_form():
    diagnostics = MsDiagnostics(28000, 'User is not "SIP" enabled; sorry', "pool.contoso.com")
    assert parse_header(format_header(diagnostics)) == diagnostics
    parsed = parse_header('28000;source="pool.contoso.com";reason="User is not SIP enabled"')
    assert parsed == MsDiagnostics(28000, "User is not SIP enabled", "pool.contoso.com")
    assert parse_header("") is None
    assert parse_header("not-a-number;reason=x") is None


def test_fault_detail_round_trip_and_wrapped_form():
    diagnostics = MsDiagnostics(28020, "Incorrect PIN")
    envelope = read_envelope(
        build_fault(
            (ns.WSSE, "FailedAuthentication"),
            "Incorrect PIN",
            detail=[ms_diagnostics_detail(diagnostics)],
        ),
        "fault",
    )
    fault = read_fault(envelope)
    assert fault is not None and fault.reason == "Incorrect PIN"
    assert read_ms_diagnostics(fault.detail) == diagnostics
    wrapper = etree.Element(f"{{{ns.AUTH_FAULT}}}OCSDiagnosticsFault")
    wrapper.append(ms_diagnostics_detail(diagnostics))
    detail = etree.Element("detail")
    detail.append(wrapper)
    assert read_ms_diagnostics(detail, "web") == MsDiagnostics(28020, "Incorrect PIN", "web")


def test_pin_adapter_round_trip_and_redaction():
    header = etree.Element(f"{{{ns.SOAP_ENV}}}Header")
    header.append(pin_security_header("5551234", "13579"))
    assert read_pin_credentials(header) == PinCredentials("5551234", "13579")
    assert "13579" not in repr(read_pin_credentials(header))
    redact_pin(header)
    assert b"13579" not in etree.tostring(header)
    assert read_pin_credentials(header).username == "5551234"
    assert read_pin_credentials(etree.Element("Header")) is None


def test_metadata_inside_a_mex_wrapper_is_read_too():
    document = f"""
    <wsx:Metadata xmlns:wsx="http://schemas.xmlsoap.org/ws/2004/09/mex">
      <wsx:MetadataSection>
        <wsdl:definitions xmlns:wsdl="{ns.WSDL}" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
            xmlns:wsp="{ns.WSP}" xmlns:wsu="{ns.WSU}"
            xmlns:sp="http://schemas.xmlsoap.org/ws/2005/07/securitypolicy"
            xmlns:wsa="{ns.WSA}">
          <wsp:Policy wsu:Id="P_policy"><wsp:ExactlyOne><wsp:All>
            <sp:EndorsingSupportingTokens><wsp:Policy><sp:IssuedToken><sp:Issuer>
              <wsa:Address> https://pool/WebTicket/WebTicketService.svc </wsa:Address>
            </sp:Issuer></sp:IssuedToken></wsp:Policy></sp:EndorsingSupportingTokens>
          </wsp:All></wsp:ExactlyOne></wsp:Policy>
          <wsdl:service name="S"><wsdl:port name="P" binding="x:P">
            <soap12:address location="https://pool/svc/P"/>
          </wsdl:port></wsdl:service>
        </wsdl:definitions>
      </wsx:MetadataSection>
    </wsx:Metadata>"""
    metadata = parse_metadata(document.encode())
    assert metadata.ports == {"P": "https://pool/svc/P"}
    assert metadata.issuer_for_port("P") == "https://pool/WebTicket/WebTicketService.svc"


@pytest.mark.parametrize(
    "data", [b"", b"<html/>", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>"]
)
def test_metadata_without_ports_is_malformed(data):
    with pytest.raises(MalformedServiceDocument):
        parse_metadata(data)


def _get_and_publish_cert(trust_namespace: str) -> etree._Element:
    csr = base64.b64encode(b"\x30\x00").decode()
    return etree.fromstring(
        f"""<GetAndPublishCert xmlns="{ns.AUTH_WEB_SERVICES}" xmlns:wst="{trust_namespace}"
              xmlns:wsse="{ns.WSSE}" xmlns:wstep="{ns.WSTEP}" DeviceId="{{G}}" Entity="a@b">
              <wst:RequestSecurityToken>
                <wsse:BinarySecurityToken
                  ValueType="http://schemas.microsoft.com/OCS/AuthWebServices.xsd#PKCS10">
                  {csr}
                </wsse:BinarySecurityToken>
                <wstep:RequestID>r1</wstep:RequestID>
              </wst:RequestSecurityToken>
            </GetAndPublishCert>"""
    )


def test_get_and_publish_cert_request_is_read():
    message = read_get_and_publish_cert(_get_and_publish_cert(ns.WST_CERT))
    assert (message.device_id, message.entity, message.request_id) == ("{G}", "a@b", "r1")
    assert message.csr_der == b"\x30\x00"


def test_get_and_publish_cert_without_the_trailing_slash_is_refused():
    with pytest.raises(MalformedServiceDocument, match="without the trailing slash"):
        read_get_and_publish_cert(_get_and_publish_cert(ns.WST))
