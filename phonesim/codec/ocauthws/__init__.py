"""The OC Authentication Web Services of Lync Server 2010 ([MS-OCAUTHWS]): names and messages.

Importing the package is cheap (names and constants only); the modules that build or
read XML (`soap`, `metadata`, `saml`, `web_ticket`, `cert_provisioning`, …) import lxml
and are imported where they are used.
"""

from __future__ import annotations

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics
from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_PORT,
    GET_AND_PUBLISH_CERT_ACTION,
    ISSUE_TOKEN_ACTION,
    ROOT_CHAIN_MEDIA_TYPE,
    ROOT_CHAIN_PATH,
    WEB_TICKET_NEGOTIATE_PORT,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_PORT,
    policy_id,
)

__all__ = [
    "CERT_PROV_PATH",
    "CERT_PROV_PROOF_PORT",
    "GET_AND_PUBLISH_CERT_ACTION",
    "ISSUE_TOKEN_ACTION",
    "ROOT_CHAIN_MEDIA_TYPE",
    "ROOT_CHAIN_PATH",
    "WEB_TICKET_NEGOTIATE_PORT",
    "WEB_TICKET_PATH",
    "WEB_TICKET_PIN_PORT",
    "MsDiagnostics",
    "policy_id",
]
