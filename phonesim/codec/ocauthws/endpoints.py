"""Where the pool's web services live and what their ports, policies and actions are called.

Paths are relative to `http(s)://<web fqdn>`; the names are those Lync Server 2010
publishes (Get-CsService, pidgin-sipe) so that a capture from a real pool and one
from the lab read the same.
"""

from __future__ import annotations

CERT_PROV_PATH = "/CertProv/CertProvisioningService.svc"
WEB_TICKET_PATH = "/WebTicket/WebTicketService.svc"

ROOT_CHAIN_PATH = f"{CERT_PROV_PATH}/rootchain"
"""Our choice, not a documented request: the phone fetches the root chain over plain
HTTP from the anonymous CertProv service (protocol.md §0 step 6), and nothing public
says how. A GET of this path answers a DER PKCS#7 certs-only bundle. Device profiles
carry the path (`web.root_chain_path`) so it can change without code."""

ROOT_CHAIN_MEDIA_TYPE = "application/pkcs7-mime"

CERT_PROV_PROOF_PORT = "CertProvisioningServiceWebTicketProof_SHA1"
CERT_PROV_PROOF_SUFFIX = "/WebTicket_Proof_SHA1"
WEB_TICKET_PIN_PORT = "WebTicketServicePin"
WEB_TICKET_PIN_SUFFIX = "/Pin"
WEB_TICKET_NEGOTIATE_PORT = "WebTicketServiceWinNegotiate"
WEB_TICKET_NEGOTIATE_SUFFIX = "/WinNegotiate"


def policy_id(port: str) -> str:
    """WCF names a binding's policy `<binding>_policy`; clients find the issuer through it."""
    return f"{port}_policy"


GET_AND_PUBLISH_CERT_ACTION = "http://schemas.microsoft.com/OCS/AuthWebServices/GetAndPublishCert"
ISSUE_TOKEN_ACTION = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"

SAML_V11_TOKEN_TYPE = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1"
X509_TOKEN_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
ISSUE_REQUEST_TYPE = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue"
PKCS10_VALUE_TYPE = "http://schemas.microsoft.com/OCS/AuthWebServices.xsd#PKCS10"
X509_VALUE_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
)
BASE64_ENCODING_TYPE = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd#Base64Binary"
)
