"""The TLS-DSK sign-in: from the registrar's 401 to its verified `200 OK`.

The protocol is `phonesim.core.tls_dsk.TlsDskSession`'s; this machine puts it
on the boot's footing. It begins where the registrar stage left off, on the
connection that stage kept open, with its Call-ID and From tag and the
challenge's realm, target and version (`ctx.challenged`), and presents the
certificate CertProv issued (`ctx.credential`, whose private key stays with
the driver). Every REGISTER it sends is a request of the phone's like any
other, whose deadline is the profile's SIP timeout: the phone's requests own
that deadline, and a REGISTER left unanswered reaches the session as its
timeout. The sign-in is done at the `200 OK` whose signature checked out;
staying registered (refreshes, keep-alives, a new association) is the
session's too, for a phone held registered, which a boot is not.

A Director does not sign the phone in: it authenticates it, then answers the
signed REGISTER with a signed `301` naming the home pool (`tls-dsk.md` §3.6).
The machine makes the home pool the boot's only registrar and hands the boot
back (`Redirect`); the conductor's table (`flow.REDIRECTED_TO`) says where it
goes on, and the home pool challenges the phone afresh.
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.core.context import BootContext, RegistrarConnection, SignedIn
from phonesim.core.discovery_cache import RegistrarTarget
from phonesim.core.events import Event, SipReceived
from phonesim.core.stage import Stage
from phonesim.core.stages.base import Done, Failed, Step, Stepwise
from phonesim.core.step import Redirect
from phonesim.core.tls_dsk.messages import (
    Fault,
    Phase,
    Redirected,
    Registered,
    RegistrarMessage,
    SendSip,
    SessionFailed,
    SessionStep,
)
from phonesim.core.tls_dsk.register_request import Endpoint
from phonesim.core.tls_dsk.session import TlsDskSession
from phonesim.core.trace_schema import (
    TLSDSK_HANDSHAKE_COMPLETE,
    TLSDSK_HANDSHAKE_ROUND,
    TLSDSK_REDIRECTED,
    TLSDSK_REGISTERED,
)

PHONES_FAULT = frozenset({Fault.HANDSHAKE_FAILED})
"""Faults of the phone's own end: discovering the servers again would not help."""


class TlsDskSignIn(Stepwise):
    __slots__ = ("connection", "rounds", "session")
    stage: ClassVar[Stage] = Stage.TLSDSK

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self.rounds = 0
        """REGISTERs sent carrying a flight of the inner handshake."""

    def start(self, now: float) -> Step:
        ctx = self.ctx
        connection = ctx.challenged
        credential = ctx.credential
        assert connection is not None and credential is not None
        assert ctx.certificate_not_after is not None
        self.connection = connection
        endpoint = Endpoint(
            aor=ctx.sip_uri or "",
            epid=ctx.identity.epid,
            local_host=connection.local_address,
            local_port=connection.local_port,
            user_agent=ctx.profile.device.user_agent,
            call_id=connection.call_id,
            tag=connection.tag,
        )
        self.session = TlsDskSession(
            ctx.profile,
            endpoint,
            connection.challenge,
            handshakes=lambda: credential.handshake(ctx.profile.tls_dsk),
            certificate_not_after=ctx.certificate_not_after,
            wall_time=ctx.wall_time,
            rng=ctx.rng,
        )
        return self._said(self.session.start(now), now)

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, SipReceived)
        failure = event.failure
        if failure is None:
            return self._said(self.session.handle(RegistrarMessage(event.data), now), now)
        if failure.kind == "timeout":
            return self._said(self.session.no_answer(), now)
        return self.connection.lost(Stage.TLSDSK, failure)

    def _said(self, step: SessionStep, now: float) -> Step:
        """Send what the session wrote, each REGISTER a request with its deadline; then
        what the session's step means for the boot."""
        ctx = self.ctx
        connection = self.connection
        session = self.session
        for command in session.take():
            if not isinstance(command, SendSip):
                continue  # keep-alives: only a phone held registered sends them
            if session.phase is Phase.HANDSHAKE:
                self.rounds += 1
                ctx.out.trace(
                    TLSDSK_HANDSHAKE_ROUND,
                    registrar=connection.label,
                    round=self.rounds,
                    cseq=session.cseq,
                )
            elif session.phase is Phase.SIGNING and session.negotiated is not None:
                version, cipher = session.negotiated
                ctx.out.trace(
                    TLSDSK_HANDSHAKE_COMPLETE,
                    registrar=connection.label,
                    rounds=self.rounds,
                    version=version,
                    cipher=cipher,
                )
            ctx.ask(connection.message(command.data, ctx.profile.sip.timeout), self)
        if isinstance(step, Registered):
            return self._registered(step, connection, now)
        if isinstance(step, Redirected):
            return self._redirected(step, connection)
        if isinstance(step, SessionFailed):
            return Failed(
                Stage.TLSDSK,
                str(step.fault),
                step.message,
                servers_at_fault=step.fault not in PHONES_FAULT,
                registrar=connection.label,
                **step.evidence,
            )
        return None

    def _redirected(self, redirected: Redirected, connection: RegistrarConnection) -> Step:
        """A Director's signed 301: the home pool becomes the only registrar, and the boot
        goes back to the registrar stage (`flow.REDIRECTED_TO`). A host met twice is a loop;
        more hops than the profile follows, a failure too. Evidence: the chain of hosts."""
        ctx = self.ctx
        home = RegistrarTarget(redirected.host, redirected.port, redirected.transport)
        chain = ctx.redirects or [connection.target]
        hop = len(chain)
        ctx.out.trace(
            TLSDSK_REDIRECTED,
            registrar=connection.label,
            to=home.label(),
            transport=home.transport,
            hop=hop,
            status=301,
            expires=redirected.expires,
        )
        hosts = [target.host for target in chain]
        labels = [target.label() for target in (*chain, home)]
        if home.host in hosts:
            return Failed(
                Stage.TLSDSK,
                "redirect_loop",
                f"redirect loop: {' -> '.join(labels)} (the phone was sent back to "
                f"{home.host}, which it had already been sent from)",
                servers_at_fault=True,
                registrar=connection.label,
                chain=labels,
            )
        limit = ctx.profile.tls_dsk.max_redirects
        if hop > limit:
            return Failed(
                Stage.TLSDSK,
                "too_many_redirects",
                f"redirected {hop} times ({' -> '.join(labels)}); the phone follows "
                f"at most {limit}",
                servers_at_fault=True,
                registrar=connection.label,
                chain=labels,
                max_redirects=limit,
            )
        ctx.redirects = [*chain, home]
        ctx.registrars = [home]
        ctx.registrar_source = "redirect"
        ctx.challenged = None
        return Redirect(home.label())

    def _registered(
        self, registered: Registered, connection: RegistrarConnection, now: float
    ) -> Step:
        ctx = self.ctx
        ctx.out.trace(
            TLSDSK_REGISTERED,
            registrar=connection.label,
            status=200,
            expires=registered.expires,
            keep_alive=registered.keep_alive,
            sa_expires=ctx.wall_datetime(registered.sa_expires_at).isoformat(),
            gruu=registered.gruu,
            allow_events=list(registered.allow_events),
            handshakes=registered.handshakes,
        )
        ctx.signed_in = SignedIn(self.session, connection, registered)
        # Seed: "After the device has successfully authenticated and connected to
        # Registrar, the previous DHCP/DNS results are cleared from the cache and the values
        # are stored." Authenticated means this verified 200 OK, from the registrar that
        # signed the phone in (after a Director's redirect, the home pool).
        assert ctx.web_url is not None
        ctx.keep_signed_in(connection.target, now)
        return Done(web_url=ctx.web_url, registrar=connection.label)


__all__ = ["TlsDskSignIn"]
