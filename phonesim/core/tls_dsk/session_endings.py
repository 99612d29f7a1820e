"""How a registration with one registrar ends other than registered: a named failure, a
refusal worded from the registrar's own answer, or a Director's redirect.

Worded here, once, because the handshake rounds (`handshake_rounds.py`) and the signed
REGISTERs (`session.py`) end the same ways: the message a user reads quotes the status,
the server's ms-diagnostics and the TLS alert the same whichever step was refused.
"""

from __future__ import annotations

from typing import Any

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics
from phonesim.codec.sip_message import SipResponse
from phonesim.codec.tls_dsk.handshake_failures import CertificateRefused, TlsDskHandshakeFailed
from phonesim.core.tls_dsk.messages import Fault, Redirected, SessionFailed
from phonesim.core.tls_dsk.registrar_answers import granted_expires, redirect_target


def failure(fault: Fault, message: str, **evidence: Any) -> SessionFailed:
    """A named failure; evidence that does not apply (None) is left out."""
    return SessionFailed(fault, message, {k: v for k, v in evidence.items() if v is not None})


def refusal(
    fault: Fault,
    what: str,
    response: SipResponse,
    diagnostics: MsDiagnostics | None,
    **evidence: Any,
) -> SessionFailed:
    """The registrar said no: `what` it refused, in its own words."""
    said = f"{response.status} {response.reason}"
    if diagnostics is not None:
        said += f'; ms-diagnostics {diagnostics.error_id} "{diagnostics.reason}"'
        evidence.update(error_id=diagnostics.error_id, server_reason=diagnostics.reason)
    if evidence.get("alert"):
        said += f"; TLS alert {evidence['alert']}"
    return failure(fault, f"the registrar {what} ({said})", status=response.status, **evidence)


def handshake_failure(failed: TlsDskHandshakeFailed) -> SessionFailed:
    """The phone's own TLS engine gave up on the inner handshake."""
    evidence: dict[str, Any] = {"what": failed.what, "tls_reason": failed.reason}
    if isinstance(failed, CertificateRefused):
        evidence.update(verify_error=failed.verify_error, subject=failed.subject)
    return failure(
        Fault.HANDSHAKE_FAILED,
        f"TLS-DSK handshake: {failed.what} ({failed.reason})",
        **evidence,
    )


def redirection(response: SipResponse) -> Redirected | SessionFailed:
    """A Director's signed 301: where it sends the phone, or a failure when its Contact
    names nowhere to go."""
    target = redirect_target(response.headers.get_all("Contact"))
    if target is None:
        contact = response.headers.get("Contact")
        return failure(
            Fault.REDIRECT_WITHOUT_CONTACT,
            f"the registrar redirected the phone ({response.status} {response.reason}) "
            f"without a Contact it can go to ({contact!r})",
            status=response.status,
            contact=contact,
        )
    host, port, transport = target
    expires = granted_expires(response, 0)
    return Redirected(host, port, transport, expires or None)


__all__ = ["failure", "handshake_failure", "redirection", "refusal"]
