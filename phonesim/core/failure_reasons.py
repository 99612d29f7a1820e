"""Every reason a boot can end with, declared once, with the stage it ends at.

A failed boot names its cause `<stage>.<cause>` (`webticket.pin_rejected`): in
the trace's `failed` event, result.json's `Reason`, the fleet's outcomes and its
failures table. Scripts and the diagnosis branch on these names, so they are a
contract: this list is what they may be, and a test holds the core, the goldens,
the exit codes and the phone's screens to it.

A web service that fails (root chain, CertProvisioningService, Web Ticket
service) ends the boot with the failure's kind as the cause: `rootchain.connect`,
`certprov.timeout`. An HTTP status is a family, one name per status:
`certprov.http_404`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from phonesim.core.stage import Stage

HTTP_PREFIX = "http_"
TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Reason:
    stage: Stage
    cause: str
    meaning: str
    http_status: bool = False
    """A family: `<stage>.http_<status>`, one name per HTTP status the server answered."""

    @property
    def name(self) -> str:
        """`stage.cause`, as the trace and result.json write it (`certprov.http_<status>` for
        the family)."""
        return (
            f"{self.stage}.{HTTP_PREFIX}<status>"
            if self.http_status
            else f"{self.stage}.{self.cause}"
        )

    @property
    def timed_out(self) -> bool:
        """The boot waited for an answer that did not come in time."""
        return self.cause == TIMEOUT

    def __str__(self) -> str:
        return self.name

    def matches(self, reason: str | None) -> bool:
        """Whether a reason as written (`certprov.http_404`) is this one."""
        if reason is None:
            return False
        if not self.http_status:
            return reason == f"{self.stage}.{self.cause}"
        stage, _, cause = reason.partition(".")
        status = cause.removeprefix(HTTP_PREFIX)
        return stage == self.stage and cause.startswith(HTTP_PREFIX) and status.isdigit()


def _reason(stage: Stage, cause: str, meaning: str) -> Reason:
    return Reason(stage, cause, meaning)


# -- the lease ---------------------------------------------------------------------------
LEASE_TIMEOUT = _reason(
    Stage.LEASE, TIMEOUT, "no DHCP server answered the phone's DISCOVER or REQUEST"
)
LEASE_REFUSED = _reason(
    Stage.LEASE, "refused", "the DHCP server answered every REQUEST with a DHCPNAK"
)

# -- DHCP (a boot asked to stop after DHCP) ----------------------------------------------
DHCP_TIMEOUT = _reason(Stage.DHCP, TIMEOUT, "no DHCP server answered the DHCPINFORM")
DHCP_NO_FQDN = _reason(
    Stage.DHCP, "no_fqdn", "DHCP answered, but without option 120 (no registrar FQDN)"
)

# -- discovery -------------------------------------------------------------------------
DISCOVERY_NO_SERVERS = _reason(
    Stage.DISCOVERY, "no_servers", "neither DHCP nor DNS gave a registrar or the web services"
)
DISCOVERY_NO_WEB_SERVICES = _reason(
    Stage.DISCOVERY,
    "no_web_services",
    "a registrar was found but no web services URL (none given, none derived)",
)

# -- root chain -------------------------------------------------------------------------
ROOTCHAIN_WEB_HOST_UNRESOLVED = _reason(
    Stage.ROOTCHAIN, "web_host_unresolved", "the web services host does not resolve"
)
ROOTCHAIN_EMPTY = _reason(Stage.ROOTCHAIN, "empty", "the root chain download held no certificate")
ROOTCHAIN_NOT_VALID_ON_PHONE_CLOCK = _reason(
    Stage.ROOTCHAIN,
    "not_valid_on_phone_clock",
    "a root certificate is not valid at the phone's time",
)

# -- CertProvisioningService -------------------------------------------------------------
CERTPROV_METADATA_INCOMPLETE = _reason(
    Stage.CERTPROV,
    "metadata_incomplete",
    "the CertProvisioningService metadata lacks the certificate port or its web ticket issuer",
)
CERTPROV_ENDPOINT_NOT_TLS = _reason(
    Stage.CERTPROV,
    "endpoint_not_tls",
    "the CertProvisioningService metadata names a plain-HTTP address for the certificate "
    "request or the web ticket's issuer; the phone sends its web ticket over TLS only",
)
CERTPROV_INVALID_SECURITY = _reason(
    Stage.CERTPROV,
    "invalid_security",
    "the CertProvisioningService refused the request's WS-Security header (InvalidSecurity), "
    "as a pool does whose clock is far from the timestamp the phone wrote",
)

# -- Web Ticket service -------------------------------------------------------------------
WEBTICKET_NO_PIN_ENDPOINT = _reason(
    Stage.WEBTICKET, "no_pin_endpoint", "the Web Ticket service offers no PIN endpoint"
)
WEBTICKET_PIN_ENDPOINT_NOT_TLS = _reason(
    Stage.WEBTICKET,
    "pin_endpoint_not_tls",
    "the Web Ticket service metadata names a plain-HTTP address for the PIN; the phone sends "
    "the PIN over TLS only",
)
WEBTICKET_PIN_REJECTED = _reason(Stage.WEBTICKET, "pin_rejected", "the number and PIN were refused")
WEBTICKET_PIN_LOCKED = _reason(Stage.WEBTICKET, "pin_locked", "the user's PIN account is locked")
WEBTICKET_NOT_SIP_ENABLED = _reason(
    Stage.WEBTICKET, "not_sip_enabled", "the user is not enabled for Lync"
)
WEBTICKET_USER_UNKNOWN = _reason(
    Stage.WEBTICKET, "user_unknown", "no user has this phone number or extension"
)

# -- registrar -----------------------------------------------------------------------------
REGISTRAR_NONE_FOUND = _reason(
    Stage.REGISTRAR, "none_found", "signed in to the web services, but no registrar is known"
)
REGISTRAR_BUSY = _reason(
    Stage.REGISTRAR,
    "busy",
    "no registrar challenged the phone, and one turned it away as busy (503, Retry-After)",
)
REGISTRAR_UNREACHABLE = _reason(
    Stage.REGISTRAR, "unreachable", "no registrar answered with a TLS-DSK challenge"
)
REGISTRAR_POOL_SUFFIX_MISMATCH = _reason(
    Stage.REGISTRAR,
    "pool_suffix_mismatch",
    "every registrar's pool FQDN lies outside the user's SIP domain (seed 002)",
)

# -- the TLS-DSK sign-in (phonesim.core.tls_dsk.Fault, one each, and the connection) ---------
TLSDSK_TIMEOUT = _reason(Stage.TLSDSK, TIMEOUT, "the registrar did not answer a REGISTER in time")
TLSDSK_CONNECTION_LOST = _reason(
    Stage.TLSDSK, "connection_lost", "the SIP connection to the registrar broke during sign-in"
)
TLSDSK_MALFORMED = _reason(
    Stage.TLSDSK, "malformed", "the registrar's answer or its security header could not be read"
)
TLSDSK_HANDSHAKE_FAILED = _reason(
    Stage.TLSDSK,
    "handshake_failed",
    "the phone's end of the inner TLS handshake stopped (version, suites, bytes)",
)
TLSDSK_HANDSHAKE_REFUSED = _reason(
    Stage.TLSDSK, "handshake_refused", "the registrar ended the TLS-DSK handshake"
)
TLSDSK_SIGNATURE_REFUSED = _reason(
    Stage.TLSDSK, "signature_refused", "the registrar did not accept the phone's signed REGISTER"
)
TLSDSK_BAD_SERVER_SIGNATURE = _reason(
    Stage.TLSDSK, "bad_server_signature", "the registrar's signature on its answer is wrong"
)
TLSDSK_UNSIGNED_ANSWER = _reason(
    Stage.TLSDSK, "unsigned_answer", "the registrar's final answer carries no signature"
)
TLSDSK_REFUSED = _reason(Stage.TLSDSK, "refused", "the registrar refused the REGISTER")
TLSDSK_REDIRECT_WITHOUT_CONTACT = _reason(
    Stage.TLSDSK,
    "redirect_without_contact",
    "the registrar redirected the phone (301) without a Contact it can go to",
)
TLSDSK_REDIRECT_LOOP = _reason(
    Stage.TLSDSK,
    "redirect_loop",
    "Directors redirected the phone back to a registrar it had already been sent from",
)
TLSDSK_TOO_MANY_REDIRECTS = _reason(
    Stage.TLSDSK, "too_many_redirects", "more redirects than the phone follows in one sign-in"
)
TLSDSK_UNEXPECTED_ANSWER = _reason(
    Stage.TLSDSK, "unexpected_answer", "the registrar's answer does not fit the sign-in's step"
)

# -- in-band provisioning (after the 200 OK) ---------------------------------------------------
PROVISIONING_REFUSED = _reason(
    Stage.PROVISIONING, "refused", "the registrar refused the provisioning SUBSCRIBE (4xx/5xx)"
)
PROVISIONING_TIMEOUT = _reason(
    Stage.PROVISIONING, TIMEOUT, "the registrar did not answer the provisioning SUBSCRIBE in time"
)
PROVISIONING_MALFORMED = _reason(
    Stage.PROVISIONING,
    "malformed",
    "the provisioning answer or its provisionGroupList body could not be read",
)
PROVISIONING_BAD_SERVER_SIGNATURE = _reason(
    Stage.PROVISIONING,
    "bad_server_signature",
    "the registrar's signature on its provisioning answer is wrong",
)
PROVISIONING_UNSIGNED_ANSWER = _reason(
    Stage.PROVISIONING,
    "unsigned_answer",
    "the registrar's provisioning answer carries no signature",
)
PROVISIONING_CONNECTION_LOST = _reason(
    Stage.PROVISIONING, "connection_lost", "the SIP connection broke during provisioning"
)

# -- a phone held registered (the session's faults, one each, and the connection) ---------------
HELD_TIMEOUT = _reason(Stage.HELD, TIMEOUT, "the registrar did not answer a REGISTER of the hold")
HELD_CONNECTION_LOST = _reason(
    Stage.HELD, "connection_lost", "the SIP connection to the registrar broke during the hold"
)
HELD_MALFORMED = _reason(
    Stage.HELD, "malformed", "a registrar's answer during the hold was unreadable"
)
HELD_HANDSHAKE_FAILED = _reason(
    Stage.HELD, "handshake_failed", "the phone's end of a renewal handshake stopped"
)
HELD_HANDSHAKE_REFUSED = _reason(
    Stage.HELD, "handshake_refused", "the registrar ended a renewal handshake"
)
HELD_SIGNATURE_REFUSED = _reason(
    Stage.HELD, "signature_refused", "the registrar did not accept a signed REGISTER of the hold"
)
HELD_BAD_SERVER_SIGNATURE = _reason(
    Stage.HELD, "bad_server_signature", "the registrar's signature on an answer is wrong"
)
HELD_UNSIGNED_ANSWER = _reason(
    Stage.HELD, "unsigned_answer", "a final answer during the hold carries no signature"
)
HELD_REFUSED = _reason(Stage.HELD, "refused", "the registrar refused a refresh or the sign-out")
HELD_UNEXPECTED_ANSWER = _reason(
    Stage.HELD, "unexpected_answer", "an answer during the hold that does not fit its step"
)

# -- a web service that failed, at each stage that asks one ------------------------------
WEB_SERVICE_STAGES = (Stage.ROOTCHAIN, Stage.CERTPROV, Stage.WEBTICKET)
"""The stages whose step is a call to the pool's web services."""
SERVICE_FAILURES: Mapping[str, str] = {
    "unresolved": "the phone has no address for the service's host",
    "connect": "the connection to the service failed",
    TIMEOUT: "the service did not answer in time",
    "tls": "TLS to the service failed (its certificate, or the handshake)",
    "fault": "the service answered with a SOAP fault",
    "rejected": "the service refused the request",
    "malformed": "the service's answer could not be read",
    "too_large": "the service's answer went over a bound the profile sets (size, headers)",
}
"""Each way a web service call fails (a driver's failure `kind`), but an HTTP status."""


def _service_reasons() -> Iterable[Reason]:
    for stage in WEB_SERVICE_STAGES:
        for kind, meaning in SERVICE_FAILURES.items():
            yield Reason(stage, kind, meaning)
        yield Reason(stage, "http_status", "the service answered with an HTTP error status", True)


REASONS: tuple[Reason, ...] = (
    *(value for value in tuple(globals().values()) if isinstance(value, Reason)),
    *_service_reasons(),
)
"""Every reason a boot can end with."""


_EXACT: dict[str, Reason] = {r.name: r for r in REASONS if not r.http_status}
_HTTP_FAMILIES: dict[str, Reason] = {r.stage: r for r in REASONS if r.http_status}


def reason_named(reason: str | None) -> Reason | None:
    """The declaration a reason as written answers to, or None for one not declared."""
    if reason is None:
        return None
    exact = _EXACT.get(reason)
    if exact is not None:
        return exact
    family = _HTTP_FAMILIES.get(reason.partition(".")[0])
    return family if family is not None and family.matches(reason) else None


def reasons_at(stage: Stage) -> tuple[Reason, ...]:
    return tuple(reason for reason in REASONS if reason.stage is stage)


__all__ = [
    "REASONS",
    "SERVICE_FAILURES",
    "WEB_SERVICE_STAGES",
    "Reason",
    "reason_named",
    "reasons_at",
]
