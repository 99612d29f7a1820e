"""The registrar's answer to a signed REGISTER (the first, a refresh, the sign-out), read
only once its signature holds (pidgin-sipe's rules, `tls-dsk.md` §1.7-1.8).

Apart from the session (`session.py`) because the verdict is a reading of one answer in
one phase, with nothing to send: the session acts on it (registers, starts a new
association, ends), and a registrar that signs wrongly, or not at all, is never taken as
having registered the phone, whatever the status says.
"""

from __future__ import annotations

from phonesim.codec.sip_message import SipResponse
from phonesim.codec.sip_security_header import SecurityHeader
from phonesim.core.tls_dsk.messages import Fault, Phase, Redirected, SessionFailed, SignedOut
from phonesim.core.tls_dsk.register_request import Association
from phonesim.core.tls_dsk.registrar_answers import (
    diagnostics_of,
    server_signature_problem,
    tls_dsk_header,
)
from phonesim.core.tls_dsk.session_endings import failure, redirection, refusal

SignedAnswer = SecurityHeader | SipResponse | SignedOut | Redirected | SessionFailed
"""A fresh challenge (the registrar forgot the association), the verified 200 that
registers the phone, the sign-out's 200, a Director's 301, or why it ends here."""


def read_signed_answer(
    response: SipResponse, association: Association, phase: Phase
) -> SignedAnswer:
    """The verdict on the registrar's final answer to the signed REGISTER sent in `phase`."""
    if response.status == 401 and phase is Phase.REFRESH:
        # The registrar forgot the association (expired, restarted): start over (§1.8).
        challenge = tls_dsk_header(response, "WWW-Authenticate")
        if challenge is not None and challenge.get("gssapi-data") is None:
            return challenge
    problem = server_signature_problem(response, association)
    if problem is not None:
        fault, message, evidence = problem
        return failure(fault, message, **evidence)
    if response.status == 200 and phase is Phase.SIGN_OUT:
        return SignedOut(response.status)
    if response.status == 200:
        return response
    if response.status == 301:
        return redirection(response)
    diagnostics = diagnostics_of(response)
    if response.status == 401:
        return refusal(
            Fault.SIGNATURE_REFUSED, "refused the signed REGISTER", response, diagnostics
        )
    return refusal(Fault.REFUSED, "refused the REGISTER", response, diagnostics)


__all__ = ["SignedAnswer", "read_signed_answer"]
