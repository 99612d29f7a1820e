"""The phone's certificate: GetAndPublishCert with the web ticket and a certificate request.

The CertProvisioningService signs the phone's key for the user's SIP URI and
publishes it; the registrar's TLS-DSK handshake is later authenticated with it.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from phonesim.core.commands import RequestCertificate
from phonesim.core.events import CertificateAnswered, Event
from phonesim.core.failure import ServiceFailure
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Step, Stepwise, service_failed
from phonesim.core.trace_schema import CERTPROV_ISSUED, CERTPROV_REQUEST


class Certificate(Stepwise):
    __slots__ = ()
    stage: ClassVar[Stage] = Stage.CERTPROV

    def start(self, now: float) -> Step:
        ctx = self.ctx
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
            ),
            self,
        )
        return None

    def handle(self, event: Event, now: float) -> Step:
        assert isinstance(event, CertificateAnswered)
        cert = event.certificate
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


__all__ = ["Certificate"]
