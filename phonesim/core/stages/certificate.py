"""The phone's certificate: GetAndPublishCert with the web ticket and a certificate request.

The CertProvisioningService signs the phone's key for the user's SIP URI and
publishes it; the registrar's TLS-DSK handshake is later authenticated with it.

The request's security timestamp says the phone's clock, and the pool refuses it when
that is too far from its own (`phonesim.codec.ocauthws.security`): the refusal is
`certprov.invalid_security`, with the phone's clock and the pool's (its answer's `Date`
header) side by side, since the fault itself does not say what was wrong.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.core.commands import RequestCertificate
from phonesim.core.context import BootContext, utc
from phonesim.core.events import CertificateAnswered, Event
from phonesim.core.failure import ServiceFailure
from phonesim.core.failure_reasons import CERTPROV_INVALID_SECURITY
from phonesim.core.stage import Stage
from phonesim.core.stages.base import (
    DONE,
    STAGE_TEXT,
    Failed,
    Step,
    Stepwise,
    service_failed,
)
from phonesim.core.trace_schema import CERTPROV_ISSUED, CERTPROV_REQUEST

INVALID_SECURITY = f"{{{ns.WSSE}}}InvalidSecurity"
"""WCF's fault for a message whose security it refused, the timestamp's among them."""


class Certificate(Stepwise):
    __slots__ = ("_asked_at",)
    stage: ClassVar[Stage] = Stage.CERTPROV

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self._asked_at = 0.0
        """The phone's clock when it sent the request (Unix seconds)."""

    def start(self, now: float) -> Step:
        ctx = self.ctx
        if ctx.warm_certificate:
            return DONE  # the kept certificate (the web ticket step said so)
        self._asked_at = ctx.wall_time(now)
        assert ctx.cert_prov_auth is not None
        entity = (ctx.sip_uri or "").removeprefix("sip:")
        request_id = str(uuid.UUID(int=ctx.rng.getrandbits(128), version=4))
        device_id = ctx.identity.device_id
        ctx.out.trace(
            CERTPROV_REQUEST,
            address=ctx.cert_prov_auth,
            entity=entity,
            device_id=device_id,
            request_id=request_id,
        )
        ctx.ask(
            RequestCertificate(
                address=ctx.cert_prov_auth,
                ticket=ctx.ticket,
                entity=entity,
                device_id=device_id,
                request_id=request_id,
                timeout=ctx.profile.web.timeout,
                phone_time=self._asked_at,
            ),
            self,
        )
        return None

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, CertificateAnswered)
        cert = event.certificate
        if event.failure is not None and event.failure.fault_code == INVALID_SECURITY:
            return self._security_refused(event.address, event.failure)
        if event.failure is not None or cert is None:
            failure = event.failure or ServiceFailure("malformed", "no certificate in the answer")
            return service_failed(Stage.CERTPROV, event.address, failure)
        self.ctx.out.trace(
            CERTPROV_ISSUED,
            subject=cert.subject,
            issuer=cert.issuer,
            serial=cert.serial,
            not_before=cert.not_before.isoformat(),
            not_after=cert.not_after.isoformat(),
            valid_on_phone_clock=cert.is_valid_at(self.ctx.wall_datetime(now)),
        )
        self.ctx.credential = event.credential
        self.ctx.certificate_not_after = cert.not_after.timestamp()
        # The ticket's only use was this request; a phone held signed in would carry its
        # assertion (2 KiB) for the whole hold. A boot that starts over fetches a new one.
        self.ctx.ticket = None
        return DONE

    def _security_refused(self, url: str, failure: ServiceFailure) -> Failed:
        phone_time = utc(self._asked_at).isoformat()
        pool_time = None if failure.server_time is None else utc(failure.server_time).isoformat()
        pool = "no Date header" if pool_time is None else f"Date {pool_time}"
        return Failed(
            Stage.CERTPROV,
            CERTPROV_INVALID_SECURITY.cause,
            f"{STAGE_TEXT[Stage.CERTPROV]} at {url} refused the request's security "
            f"({failure.detail}); the request said the phone's clock, {phone_time}, "
            f"the answer the pool's ({pool})",
            url=url,
            kind=failure.kind,
            detail=failure.detail,
            http_status=failure.http_status,
            fault_code=failure.fault_code,
            phone_time=phone_time,
            pool_time=pool_time,
        )


__all__ = ["Certificate"]
