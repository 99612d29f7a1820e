"""In-band provisioning and the further subscriptions, after the verified `200 OK`.

A Lync phone learns its pool, its policies and its location profile from the
registrar itself ([MS-SIPREGE], `tls-dsk.md` §3.3): a self-SUBSCRIBE to
`vnd-microsoft-provisioning-v2` with `Expires: 0` (it establishes no dialog)
and `Supported: ms-piggyback-first-notify`, so the groups come back in the 200
itself rather than in a NOTIFY. The answer is signed like every final answer
under the association, and a wrong or missing signature ends the boot as the
REGISTER's would. Then the subscriptions the profile names, each only if the
200 OK's `Allow-Events` lists its event (pidgin-sipe's rule, §3.1); a refusal
of one of these is traced and the phone is signed in all the same, since a
real phone comes up without its contact list.

One request at a time on the connection: the answers come back in order, and
the sign-in's session keeps counting the signed messages (`cnum`).
"""

from __future__ import annotations

from typing import ClassVar

from phonesim.codec.provisioning_xml import MalformedProvisioning, read_answer
from phonesim.codec.sip_message import SipResponse, parse_response
from phonesim.core.context import BootContext, SignedIn
from phonesim.core.discovery_cache import after_provisioning
from phonesim.core.events import Event, SipReceived
from phonesim.core.requests import Waiter
from phonesim.core.stage import Stage
from phonesim.core.stages.base import Done, Failed, Step, Stepwise
from phonesim.core.tls_dsk.registrar_answers import (
    diagnostics_of,
    granted_expires,
    server_signature_problem,
)
from phonesim.core.tls_dsk.subscribe_request import (
    PROVISIONING_EVENT,
    Subscription,
    SubscriptionDialog,
    renew_in,
    signed_subscribe,
    subscription_for,
)
from phonesim.core.trace_schema import (
    PROVISIONING_RECEIVED,
    PROVISIONING_REQUESTED,
    SUBSCRIPTION_ANSWERED,
    SUBSCRIPTION_REFUSED,
    SUBSCRIPTION_SENT,
    SUBSCRIPTION_SKIPPED,
)
from phonesim.errors import PhonesimError

NOT_ALLOWED = "not in the registrar's Allow-Events"


class SelfSubscriber:
    """Sends one signed self-SUBSCRIBE at a time under the signed-in session and checks the
    registrar's signature on each answer: what provisioning and a held phone share."""

    __slots__ = ("ctx", "signed_in")

    def __init__(self, ctx: BootContext, signed_in: SignedIn) -> None:
        self.ctx = ctx
        self.signed_in = signed_in

    def send(
        self,
        subscription: Subscription,
        call_id: str,
        tag: str,
        cseq: int,
        owner: Waiter,
        now: float,
    ) -> None:
        ctx = self.ctx
        session = self.signed_in.session
        connection = self.signed_in.connection
        endpoint = session.endpoint
        association, crand, cnum = session.countersign()
        contact = self.signed_in.registered.gruu or (
            f"sip:{endpoint.local_host}:{endpoint.local_port};transport=tls"
        )
        data = signed_subscribe(
            endpoint,
            association,
            subscription,
            contact=contact,
            call_id=call_id,
            tag=tag,
            cseq=cseq,
            branch=f"z9hG4bK{ctx.random_hex(64)}",
            crand=crand,
            cnum=cnum,
        )
        session.note_sent(now)
        ctx.ask(connection.message(data, ctx.profile.sip.timeout), owner)

    def answer(self, event: SipReceived, stage: Stage) -> SipResponse | Failed:
        """The registrar's answer, its signature checked; or why the stage fails."""
        label = self.signed_in.connection.label
        failure = event.failure
        if failure is not None:
            if failure.kind == "timeout":
                return Failed(
                    stage,
                    "timeout",
                    f"no answer to SUBSCRIBE from {label}: {failure.detail}",
                    servers_at_fault=True,
                    registrar=label,
                    detail=failure.detail,
                )
            return self.signed_in.connection.lost(stage, failure)
        try:
            response = parse_response(event.data)
        except PhonesimError as error:
            return Failed(
                stage,
                "malformed",
                f"the registrar's answer to SUBSCRIBE: {error}",
                servers_at_fault=True,
                registrar=label,
            )
        association = self.signed_in.session.association
        assert association is not None
        problem = server_signature_problem(response, association)
        if problem is not None:
            fault, message, evidence = problem
            return Failed(
                stage, str(fault), message, servers_at_fault=True, registrar=label, **evidence
            )
        return response


class Provisioning(Stepwise):
    __slots__ = ("_pending", "dialogs", "event", "queue", "subscriber")
    stage: ClassVar[Stage] = Stage.PROVISIONING

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self.queue: list[Subscription] = []
        self.event = PROVISIONING_EVENT
        """The event of the SUBSCRIBE out."""
        self.dialogs: list[SubscriptionDialog] = []

    def start(self, now: float) -> Step:
        ctx = self.ctx
        signed_in = ctx.signed_in
        assert signed_in is not None
        self.subscriber = SelfSubscriber(ctx, signed_in)
        groups = ctx.profile.provisioning.groups
        ctx.out.trace(
            PROVISIONING_REQUESTED,
            registrar=signed_in.connection.label,
            groups=list(groups),
            cseq=1,
        )
        self._send(subscription_for(PROVISIONING_EVENT, groups), now)
        allowed = signed_in.registered.allow_events
        for event in ctx.profile.provisioning.subscriptions:
            if event in allowed:
                self.queue.append(subscription_for(event))
            else:
                ctx.out.trace(SUBSCRIPTION_SKIPPED, event=event, why=NOT_ALLOWED)
        return None

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, SipReceived)
        answer = self.subscriber.answer(event, Stage.PROVISIONING)
        if isinstance(answer, Failed):
            return answer
        if self.event == PROVISIONING_EVENT:
            step = self._provisioned(answer)
            if step is not None:
                return step
        else:
            self._subscribed(answer, now)
        if self.queue:
            subscription = self.queue.pop(0)
            self.ctx.out.trace(
                SUBSCRIPTION_SENT, event=subscription.event, expires=subscription.expires
            )
            self._send(subscription, now)
            return None
        signed_in = self.subscriber.signed_in
        signed_in.dialogs.extend(self.dialogs)
        return Done(web_url=self.ctx.web_url, registrar=signed_in.connection.label)

    def _send(self, subscription: Subscription, now: float) -> None:
        self.event = subscription.event
        self._pending = SubscriptionDialog(
            subscription, self.ctx.random_hex(64), self.ctx.random_hex(32), 1, 0, 0.0
        )
        pending = self._pending
        self.subscriber.send(subscription, pending.call_id, pending.tag, 1, self, now)

    def _provisioned(self, response: SipResponse) -> Step:
        ctx = self.ctx
        label = self.subscriber.signed_in.connection.label
        if response.status != 200:
            diagnostics = diagnostics_of(response)
            said = f"{response.status} {response.reason}"
            evidence: dict[str, object] = {"status": response.status}
            if diagnostics is not None:
                said += f'; ms-diagnostics {diagnostics.error_id} "{diagnostics.reason}"'
                evidence.update(error_id=diagnostics.error_id, server_reason=diagnostics.reason)
            return Failed(
                Stage.PROVISIONING,
                "refused",
                f"the registrar refused the provisioning SUBSCRIBE ({said})",
                servers_at_fault=True,
                registrar=label,
                **evidence,
            )
        try:
            settings = read_answer(response.body)
        except MalformedProvisioning as error:
            return Failed(
                Stage.PROVISIONING,
                "malformed",
                f"the registrar's provisioning answer: {error}",
                servers_at_fault=True,
                registrar=label,
                detail=str(error),
            )
        ctx.provisioned = settings
        ctx.out.trace(
            PROVISIONING_RECEIVED,
            registrar=label,
            status=response.status,
            groups=list(settings.groups),
            **settings.kept(),
        )
        worked = self.subscriber.signed_in.connection.target
        named = after_provisioning(worked, (settings.pool, settings.backup_pool))
        if settings.mras_uri is not None or len(named) > 1:
            # gg398713: the cache holds "the last registered Registrar and Media Relay
            # FQDNs", and "from this point, the device uses the Registrar address provided
            # to it by using in-band provisioning": both become known here.
            ctx.keep_signed_in(worked, ctx.out.now)
        return None

    def _subscribed(self, response: SipResponse, now: float) -> None:
        pending = self._pending
        if 200 <= response.status < 300:
            expires = granted_expires(response, pending.subscription.expires)
            self.ctx.out.trace(
                SUBSCRIPTION_ANSWERED, event=self.event, status=response.status, expires=expires
            )
            if expires > 0:
                pending.expires = expires
                pending.renew_at = now + renew_in(expires)
                self.dialogs.append(pending)
            return
        self.ctx.out.trace(
            SUBSCRIPTION_REFUSED,
            event=self.event,
            status=response.status,
            why=f"{response.status} {response.reason}",
        )


__all__ = ["NOT_ALLOWED", "Provisioning", "SelfSubscriber"]
