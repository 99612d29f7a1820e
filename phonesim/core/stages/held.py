"""A phone held registered: the session's timers driven for the hold, then sign-out.

After provisioning, a boot given a hold stays on the connection it signed in
over and does what a phone left on a desk does (`tls-dsk.md` §3.5): a signed
re-REGISTER before the granted Expires runs out, a CRLF keep-alive after
`ms-keep-alive`'s timeout of silence, a new security association (a fresh
challenge and handshake) at min(certificate expiry, 8 h) minus the margin,
and each subscription renewed at its Expires − 120 s. The timers are the
session's (`TlsDskSession`) and the subscriptions'; this machine only decides
which one goes next, since the connection carries one request at a time. When
the hold ends the phone signs out: a signed REGISTER with `Expires: 0`.

A refresh answered 401 is a registrar that forgot the association: the session
handshakes again (that is a re-handshake, counted). Any other refusal, a wrong
signature or silence ends the hold as a named failure. Keep-alives are counted,
not traced one by one: a long hold would be thousands of lines saying nothing.

A fleet will hold thousands of these, so the machine keeps counters and
references only; the session holds the association.
"""

from __future__ import annotations

from typing import Any, ClassVar

from phonesim.core.commands import KeepAlive
from phonesim.core.context import BootContext
from phonesim.core.events import Event, SipReceived
from phonesim.core.stage import Stage
from phonesim.core.stages.base import Done, Failed, Step, Stepwise
from phonesim.core.stages.provisioning import SelfSubscriber
from phonesim.core.stages.sign_in import PHONES_FAULT
from phonesim.core.tls_dsk.messages import (
    Phase,
    Registered,
    RegistrarMessage,
    SendSip,
    SessionFailed,
    SessionStep,
    SignedOut,
)
from phonesim.core.tls_dsk.registrar_answers import granted_expires
from phonesim.core.tls_dsk.subscribe_request import SubscriptionDialog, renew_in
from phonesim.core.trace_schema import (
    HELD_BEGAN,
    HELD_REFRESHED,
    HELD_REHANDSHAKED,
    HELD_REREGISTERING,
    HELD_RESUBSCRIBED,
)

_WHY = {Phase.REFRESH: "refresh", Phase.CHALLENGE: "new_association", Phase.SIGN_OUT: "sign_out"}
"""A REGISTER's reason, by the phase the session went into to send it."""


class Held(Stepwise):
    __slots__ = (
        "began",
        "cut_short_by",
        "handshakes",
        "keep_alives",
        "refreshes",
        "rehandshakes",
        "renewing",
        "resubscriptions",
        "signed_in",
        "subscriber",
        "until",
    )
    stage: ClassVar[Stage] = Stage.HELD

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self.refreshes = 0
        self.keep_alives = 0
        self.rehandshakes = 0
        self.resubscriptions = 0
        self.renewing: SubscriptionDialog | None = None
        """The subscription whose renewal is out (the connection carries one request)."""
        self.cut_short_by: str | None = None
        """What ended the hold before its time (e.g. `Ctrl-C`); None: it ran its course."""

    def start(self, now: float) -> Step:
        ctx = self.ctx
        signed_in = ctx.signed_in
        assert signed_in is not None and ctx.hold is not None
        self.signed_in = signed_in
        self.subscriber = SelfSubscriber(ctx, signed_in)
        self.began = now
        self.until = now + ctx.hold
        self.handshakes = signed_in.session.handshakes
        registered = signed_in.registered
        ctx.out.trace(
            HELD_BEGAN,
            registrar=signed_in.connection.label,
            hold=ctx.hold,
            expires=registered.expires,
            keep_alive=registered.keep_alive,
            next_refresh=self._wall(registered.refresh_at),
            sa_renew=self._wall(registered.sa_renew_at),
        )
        return None

    # ------------------------------------------------------------------ timers

    def next_deadline(self) -> float | None:
        if self.renewing is not None:
            return None  # the phone's requests own the SUBSCRIBE's deadline
        session = self.signed_in.session
        due = session.next_deadline()
        if session.phase is Phase.IDLE:
            for at in (self.until, *(d.renew_at for d in self.signed_in.dialogs)):
                if due is None or at < due:
                    due = at
        return due

    def handle_timer(self, now: float) -> Step:
        if self.renewing is not None:
            return None
        session = self.signed_in.session
        if session.phase is Phase.IDLE:
            if now >= self.until:
                step = session.sign_out(now)
                self._reregistering()
                return self._said(step, now)
            dialog = self._renewal_due(now)
            if dialog is not None:
                return self._resubscribe(dialog, now)
            step = session.handle_timer(now)
            self._reregistering()
            return self._said(step, now)
        return self._said(session.handle_timer(now), now)

    def _reregistering(self) -> None:
        """Say which REGISTER the timer sent, if any, before it leaves: a fleet times each
        from here to its answer (a keep-alive alone leaves the session idle, untraced)."""
        phase = self.signed_in.session.phase
        why = _WHY.get(phase)
        if why is not None:
            self.ctx.out.trace(
                HELD_REREGISTERING, registrar=self.signed_in.connection.label, why=why
            )

    def _renewal_due(self, now: float) -> SubscriptionDialog | None:
        """A subscription due, unless the session's own REGISTER timers come first."""
        registration = self.signed_in.session.registration
        first = min(self.signed_in.dialogs, key=lambda d: d.renew_at, default=None)
        if first is None or first.renew_at > now:
            return None
        if registration is not None and min(registration.refresh_at, registration.sa_renew_at) < (
            first.renew_at
        ):
            return None
        return first

    # ------------------------------------------------------------------ answers

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, SipReceived)
        if self.renewing is not None:
            return self._resubscribed(event, now)
        session = self.signed_in.session
        failure = event.failure
        if failure is None:
            return self._said(session.handle(RegistrarMessage(event.data), now), now)
        if failure.kind == "timeout":
            return self._said(session.no_answer(), now)
        return self._failed(self.signed_in.connection.lost(Stage.HELD, failure), now)

    def _said(self, step: SessionStep, now: float) -> Step:
        """Carry out what the session wrote; then what its step means for the hold."""
        ctx = self.ctx
        connection = self.signed_in.connection
        session = self.signed_in.session
        for command in session.take():
            if isinstance(command, SendSip):
                ctx.ask(connection.message(command.data, ctx.profile.sip.timeout), self)
            else:
                self.keep_alives += 1
                ctx.out.send(
                    KeepAlive(connection.host, connection.address, connection.port, command.data)
                )
        if isinstance(step, Registered):
            self._registered(step)
            return None
        if isinstance(step, SignedOut):
            return Done(web_url=ctx.web_url, registrar=connection.label, held=self.summary(now))
        if isinstance(step, SessionFailed):
            return self._failed(
                Failed(
                    Stage.HELD,
                    str(step.fault),
                    step.message,
                    servers_at_fault=step.fault not in PHONES_FAULT,
                    registrar=connection.label,
                    **step.evidence,
                ),
                now,
            )
        return None

    def _registered(self, registered: Registered) -> None:
        label = self.signed_in.connection.label
        if registered.handshakes > self.handshakes:
            self.handshakes = registered.handshakes
            self.rehandshakes += 1
            self.ctx.out.trace(
                HELD_REHANDSHAKED,
                registrar=label,
                handshakes=registered.handshakes,
                sa_expires=self._wall(registered.sa_expires_at),
                next_refresh=self._wall(registered.refresh_at),
                cause=self.signed_in.session.renewal_cause,
            )
            return
        self.refreshes += 1
        self.ctx.out.trace(
            HELD_REFRESHED,
            registrar=label,
            expires=registered.expires,
            refreshes=self.refreshes,
            keep_alives=self.keep_alives,
            next_refresh=self._wall(registered.refresh_at),
        )

    # ------------------------------------------------------------------ subscriptions

    def _resubscribe(self, dialog: SubscriptionDialog, now: float) -> Step:
        self.renewing = dialog
        dialog.cseq += 1
        self.subscriber.send(
            dialog.subscription, dialog.call_id, dialog.tag, dialog.cseq, self, now
        )
        return None

    def _resubscribed(self, event: SipReceived, now: float) -> Step:
        dialog = self.renewing
        assert dialog is not None
        self.renewing = None
        answer = self.subscriber.answer(event, Stage.HELD)
        if isinstance(answer, Failed):
            return self._failed(answer, now)
        expires = granted_expires(answer, dialog.expires)
        self.resubscriptions += 1
        self.ctx.out.trace(
            HELD_RESUBSCRIBED,
            event=dialog.subscription.event,
            status=answer.status,
            expires=expires if 200 <= answer.status < 300 else None,
        )
        if 200 <= answer.status < 300 and expires > 0:
            dialog.expires = expires
            dialog.renew_at = now + renew_in(expires)
        else:
            self.signed_in.dialogs.remove(dialog)
        return None

    # ------------------------------------------------------------------ the end

    def end_now(self, now: float, why: str) -> Step:
        """The hold is cut short (the user stops the program; `why` says how): sign out as
        soon as the connection is free."""
        if now < self.until and self.cut_short_by is None:
            self.cut_short_by = why
        self.until = min(self.until, now)
        if self.renewing is None and self.signed_in.session.phase is Phase.IDLE:
            return self.handle_timer(now)
        return None

    def summary(self, now: float) -> dict[str, Any]:
        """What the hold did, for the boot's outcome and its last trace: the hold asked
        for beside the one done, and when it began (the sign-in's end, from power-on), so
        a report times the sign-in without the hold."""
        return {
            "hold": self.ctx.hold,
            "began_at": round(self.began - self.ctx.out.t0, 6),
            "held_for": round(now - self.began, 3),
            "cut_short_by": self.cut_short_by,
            "refreshes": self.refreshes,
            "keep_alives": self.keep_alives,
            "rehandshakes": self.rehandshakes,
            "resubscriptions": self.resubscriptions,
            "signed_out": self.signed_in.session.phase is Phase.SIGNED_OUT,
        }

    def _failed(self, failed: Failed, now: float) -> Failed:
        failed.evidence.update(self.summary(now))
        return failed

    def _wall(self, at: float) -> str:
        return self.ctx.wall_datetime(at).isoformat()


__all__ = ["Held"]
