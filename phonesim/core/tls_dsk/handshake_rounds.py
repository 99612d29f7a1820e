"""The inner TLS handshake of one security association, carried in REGISTER/401 rounds
(`tls-dsk.md` §1.1): each 401 brings the registrar's flight in `gssapi-data`, the phone's
engine answers with its next, until the engine is done and the association's keys are
known.

Apart from the session (`session.py`) because it lives only while the rounds run: the
engine and the `opaque` the first round fixes are nothing once the association is made,
and a held phone keeps its session for hours. The session numbers and sends the
REGISTERs; this reads the 401s.
"""

from __future__ import annotations

from phonesim.codec.ocauthws.diagnostics import MsDiagnostics
from phonesim.codec.sip_message import SipResponse
from phonesim.codec.tls_dsk.handshake_failures import RefusedByPeer, TlsDskHandshakeFailed
from phonesim.core.tls_dsk.messages import Challenge, Fault, InnerHandshake, SessionFailed
from phonesim.core.tls_dsk.register_request import Association
from phonesim.core.tls_dsk.registrar_answers import diagnostics_of, tls_dsk_header
from phonesim.core.tls_dsk.session_endings import failure, handshake_failure, refusal


class HandshakeRounds:
    """One handshake under one challenge, from the phone's first flight to the keys."""

    __slots__ = ("_challenge", "_engine", "opaque")

    def __init__(self, engine: InnerHandshake, challenge: Challenge) -> None:
        self._engine = engine
        self._challenge = challenge
        self.opaque: str | None = None
        """The registrar's name for the association, from its first round on (§1.1)."""

    @property
    def negotiated(self) -> tuple[str, str]:
        """(version, cipher) of the handshake."""
        return self._engine.version, self._engine.cipher

    def first_flight(self) -> bytes | SessionFailed:
        """The ClientHello, for the first handshake REGISTER."""
        try:
            return self._engine.step(b"")
        except TlsDskHandshakeFailed as failed:
            return handshake_failure(failed)

    def answer(self, response: SipResponse) -> bytes | Association | SessionFailed:
        """The registrar's final answer to a handshake REGISTER: the phone's next flight,
        the association once the engine is done, or why the rounds end here."""
        header = tls_dsk_header(response, "WWW-Authenticate")
        token = None if header is None else header.gssapi_data("WWW-Authenticate")
        diagnostics = diagnostics_of(response)
        if response.status != 401 or header is None or token is None or diagnostics is not None:
            return self._refused(response, token, diagnostics)
        if self.opaque is None:
            self.opaque = header.opaque
        if self.opaque is None or header.opaque != self.opaque:
            return failure(
                Fault.MALFORMED,
                f"the registrar's handshake 401 has opaque {header.opaque!r}, "
                f"expected {self.opaque!r}",
            )
        try:
            flight = self._engine.step(token)
        except TlsDskHandshakeFailed as failed:
            return handshake_failure(failed)
        if flight:
            return flight
        if not self._engine.complete:
            return failure(
                Fault.UNEXPECTED_ANSWER, "the registrar's flight left the handshake unfinished"
            )
        challenge = self._challenge
        return Association(self.opaque, challenge.realm, challenge.targetname, self._engine.keys)

    def _refused(
        self, response: SipResponse, token: bytes | None, diagnostics: MsDiagnostics | None
    ) -> SessionFailed:
        """The registrar ended the rounds; its alert, if it sent one, says why."""
        alert = None
        if token:
            try:
                self._engine.step(token)
            except RefusedByPeer as refused:
                alert = refused.alert
            except TlsDskHandshakeFailed:
                pass
        if response.status == 401 and diagnostics is None and alert is None:
            return failure(
                Fault.UNEXPECTED_ANSWER,
                "the registrar's handshake 401 carries no TLS-DSK flight",
                status=response.status,
            )
        fault = Fault.HANDSHAKE_REFUSED if response.status == 401 else Fault.REFUSED
        return refusal(fault, "refused the handshake", response, diagnostics, alert=alert)


__all__ = ["HandshakeRounds"]
