"""The events of the Lync web services: the root chain, the Web Ticket and the certificate.

The stages between discovery and the registrar, over HTTP; `phonesim.core.trace_schema`
lists every declaration.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.core.trace_event import declare as _event

# -- root chain ------------------------------------------------------------------------
ROOTCHAIN_REQUEST = _event(
    Stage.ROOTCHAIN, "request", ("url",), "the root certificate chain asked for over HTTP"
)
ROOTCHAIN_RECEIVED = _event(
    Stage.ROOTCHAIN,
    "received",
    ("url", "certificates"),
    "the root chain, each certificate checked against the phone's clock",
)
ROOTCHAIN_SUPPLIED = _event(
    Stage.ROOTCHAIN,
    "supplied",
    ("source", "certificates"),
    "no root chain fetched: the CA certificates the user supplied (--trust-ca), each "
    "checked against the phone's clock",
)

# -- web ticket and certificate ----------------------------------------------------------
WEBTICKET_SKIPPED = _event(
    Stage.WEBTICKET,
    "skipped",
    ("sip_uri", "certificate_not_after", "note"),
    "no PIN, Web Ticket or certificate request: the certificate kept from the last "
    "sign-in is still valid",
)
WEBTICKET_CACHED_CERTIFICATE_REFUSED = _event(
    Stage.WEBTICKET,
    "cached_certificate_refused",
    ("failed_stage", "cause", "note"),
    "the certificate kept from the last sign-in did not sign the phone in: it signs in "
    "with its PIN again",
    "warning",
)
WEBTICKET_CACHED_CERTIFICATE_EXPIRED = _event(
    Stage.WEBTICKET,
    "cached_certificate_expired",
    ("sip_uri", "certificate_not_after", "phone_time"),
    "the certificate kept from the last sign-in has expired on the phone's clock: the "
    "phone signs in with its PIN again",
    "warning",
)
CERTPROV_METADATA_REQUEST = _event(
    Stage.CERTPROV, "metadata_request", ("url",), "the CertProvisioningService's metadata"
)
CERTPROV_METADATA = _event(
    Stage.CERTPROV,
    "metadata",
    ("url", "ports", "auth_address", "web_ticket_service"),
    "where to ask for the certificate, and which service issues its web ticket",
)
WEBTICKET_METADATA_REQUEST = _event(
    Stage.WEBTICKET, "metadata_request", ("url",), "the Web Ticket service's metadata"
)
WEBTICKET_METADATA = _event(
    Stage.WEBTICKET,
    "metadata",
    ("url", "ports", "pin_address"),
    "the Web Ticket service's endpoints, the PIN one among them",
)
WEBTICKET_REQUEST = _event(
    Stage.WEBTICKET,
    "request",
    ("address", "username", "pin_format"),
    "the PIN sent for a web ticket, in the profile's variant of the wire format",
)
WEBTICKET_ISSUED = _event(
    Stage.WEBTICKET, "issued", ("sip_uri", "expires"), "a web ticket, and the user's SIP URI"
)
CERTPROV_REQUEST = _event(
    Stage.CERTPROV,
    "request",
    ("address", "entity", "device_id", "request_id"),
    "GetAndPublishCert with the phone's certificate request",
)
CERTPROV_ISSUED = _event(
    Stage.CERTPROV,
    "issued",
    ("subject", "issuer", "serial", "not_before", "not_after", "valid_on_phone_clock"),
    "the phone's certificate",
)
