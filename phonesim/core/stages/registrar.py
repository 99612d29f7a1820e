"""The registrar: a REGISTER to each registrar of the list in turn, until one challenges
the phone for TLS-DSK.

Seed rule: "up to two Registrar FQDNs ... the client tries each one". A
registrar whose name does not resolve is skipped; one that fails (refused, TLS,
timeout) or answers without a TLS-DSK challenge is passed over. Seed 002 ("DHCP options for IP phones"): "The pool FQDN suffix must match the
user's SIP URI": a registrar option 120 names outside the user's SIP domain is not
tried (the profile may turn the check off; an address has no suffix to compare; DNS
targets answer to strict naming instead, and a Director's redirect names the home
pool itself). The first
challenge ends the stage: the connection stays open for the TLS-DSK sign-in
that follows (`ctx.challenged`). The discovery cache is not written here: a
challenge is not yet an authentication (the sign-in writes it at the verified
`200 OK`).
"""

from __future__ import annotations

import ipaddress
from typing import ClassVar

from phonesim.core.commands import ConnectRegistrar
from phonesim.core.context import BootContext, RegistrarConnection
from phonesim.core.discovery_cache import FROM_OPTION_120, RegistrarTarget
from phonesim.core.events import Event, RegistrarAnswered
from phonesim.core.failure_reasons import (
    REGISTRAR_POOL_SUFFIX_MISMATCH as REGISTRAR_POOL_SUFFIX_MISMATCH_REASON,
)
from phonesim.core.stage import Stage
from phonesim.core.stages.base import Done, Failed, Step, Stepwise
from phonesim.core.tls_dsk.messages import Challenge
from phonesim.core.trace_schema import (
    REGISTRAR_ANSWER,
    REGISTRAR_ATTEMPT_FAILED,
    REGISTRAR_CHALLENGE,
    REGISTRAR_CONNECT,
    REGISTRAR_POOL_SUFFIX_MISMATCH,
    REGISTRAR_SKIPPED,
)


class Registrar(Stepwise):
    __slots__ = ("address_at", "asked", "candidate", "outside_domain", "turned_away")
    stage: ClassVar[Stage] = Stage.REGISTRAR

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        self.candidate = 0
        """The registrar of the list being tried."""
        self.address_at = 0
        """Which of its addresses is being tried."""
        self.asked: ConnectRegistrar | None = None
        self.turned_away: RegistrarAnswered | None = None
        """The last registrar that turned the phone away with a 503, if one did."""
        self.outside_domain: list[str] = []
        """The registrars not tried because their pool lies outside the SIP domain."""

    @property
    def target(self) -> RegistrarTarget:
        return self.ctx.registrars[self.candidate]

    def start(self, now: float) -> Step:
        if not self.ctx.registrars:
            return Failed(
                Stage.REGISTRAR,
                "none_found",
                "signed in to the web services but no registrar is known: "
                "DHCP gave no option 120 and DNS has no SRV record",
                registrar_source=self.ctx.registrar_source,
            )
        return self._try()

    def handle(self, event: Event, now: float) -> Step:
        if isinstance(event, RegistrarAnswered):
            return self._answered(event, now)
        return self._resolved()

    def _try(self) -> Step:
        outside = self._outside_sip_domain(self.target)
        if outside is not None:
            self.outside_domain.append(self.target.label())
            self.ctx.out.trace(REGISTRAR_POOL_SUFFIX_MISMATCH, **outside)
            return self._next()
        if self.ctx.names.lookup(self.target.host, self):
            return self._resolved()
        return None

    def _resolved(self) -> Step:
        ctx = self.ctx
        target = self.target
        # Every address of the name in turn (DNS load balancing, gg398713), then the next
        # registrar; a cached registrar's kept addresses when DNS gives none.
        addresses = ctx.names.addresses_of(target.host) or target.kept_addresses()
        address = addresses[self.address_at] if self.address_at < len(addresses) else None
        if address is None:
            ctx.out.trace(REGISTRAR_SKIPPED, registrar=target.label(), why="does not resolve")
            return self._next()
        ctx.out.trace(
            REGISTRAR_CONNECT,
            registrar=target.label(),
            address=address,
            transport=target.transport,
            attempt=self.candidate + 1,
            of=len(ctx.registrars),
        )
        self.asked = ConnectRegistrar(
            host=target.host,
            address=address,
            port=target.port,
            transport=target.transport,
            sip_uri=ctx.sip_uri or "",
            call_id=ctx.random_hex(128),
            tag=ctx.random_hex(32),
            branch="z9hG4bK" + ctx.random_hex(64),
            timeout=ctx.profile.sip.timeout,
        )
        ctx.ask(self.asked, self)
        return None

    def _next(self) -> Step:
        self.candidate += 1
        self.address_at = 0
        if self.candidate < len(self.ctx.registrars):
            return self._try()
        tried = [r.label() for r in self.ctx.registrars]
        if self.outside_domain == tried:
            domain = self.ctx.sip_domain
            return Failed(
                Stage.REGISTRAR,
                REGISTRAR_POOL_SUFFIX_MISMATCH_REASON.cause,
                f"no registrar in the user's SIP domain {domain}: {', '.join(tried)} "
                f"(the pool FQDN suffix must match the SIP URI {self.ctx.sip_uri})",
                servers_at_fault=True,
                tried=tried,
                sip_uri=self.ctx.sip_uri,
                sip_domain=domain,
            )
        busy = self.turned_away
        if busy is not None:
            # SIPE: "Service unavailable: <reason>". The wait the server asked for is what an
            # admin (and a fleet's retry) needs to know.
            said = f"503 {busy.reason_phrase}"
            if busy.error_id is not None:
                said += f'; ms-diagnostics {busy.error_id} "{busy.server_reason}"'
            wait = "" if busy.retry_after is None else f", Retry-After {busy.retry_after} s"
            return Failed(
                Stage.REGISTRAR,
                "busy",
                f"registrar {busy.host}:{busy.port} is busy ({said}{wait}); "
                f"tried {', '.join(tried)}",
                servers_at_fault=True,
                tried=tried,
                registrar=f"{busy.host}:{busy.port}",
                status=busy.status,
                retry_after=busy.retry_after,
                error_id=busy.error_id,
                server_reason=busy.server_reason,
            )
        return Failed(
            Stage.REGISTRAR,
            "unreachable",
            f"no registrar answered: tried {', '.join(tried)}",
            servers_at_fault=True,
            tried=tried,
        )

    def _outside_sip_domain(self, target: RegistrarTarget) -> dict[str, str] | None:
        """The trace's fields when `target` fails the pool suffix rule; None when it passes
        or the rule does not apply."""
        ctx = self.ctx
        domain = ctx.sip_domain
        if (
            not ctx.profile.sip.pool_suffix_must_match
            or domain is None
            or target.origin != FROM_OPTION_120
            or _is_address(target.host)
        ):
            return None
        host = target.host.rstrip(".").lower()
        if host == domain or host.endswith("." + domain):
            return None
        return {
            "registrar": target.label(),
            "sip_uri": ctx.sip_uri or "",
            "sip_domain": domain,
            "why": f"the pool FQDN {host} is not in {domain}",
        }

    def _answered(self, event: RegistrarAnswered, now: float) -> Step:
        ctx = self.ctx
        target = self.target
        if event.failure is not None:
            ctx.out.trace(
                REGISTRAR_ATTEMPT_FAILED,
                registrar=target.label(),
                address=event.address,
                kind=event.failure.kind,
                detail=event.failure.detail,
            )
            if self.address_at + 1 < len(self.ctx.names.addresses_of(target.host)):
                self.address_at += 1
                return self._resolved()
            return self._next()
        offered = [scheme.upper() for scheme in event.offered_schemes]
        if not offered and event.auth_scheme:
            offered = [event.auth_scheme.upper()]
        challenged = event.status == 401 and "TLS-DSK" in offered
        if event.status == 503:
            self.turned_away = event
        refusal = {}
        if not challenged:
            refusal = {
                "retry_after": event.retry_after,
                "error_id": event.error_id,
                "server_reason": event.server_reason,
            }
        ctx.out.trace(
            REGISTRAR_CHALLENGE if challenged else REGISTRAR_ANSWER,
            **{k: v for k, v in refusal.items() if v is not None},
            registrar=target.label(),
            status=event.status,
            reason_phrase=event.reason_phrase,
            scheme="TLS-DSK" if challenged else event.auth_scheme,
            offered_schemes=list(event.offered_schemes),
            sts_uri=event.sts_uri,
            realm=event.realm,
            target_name=event.target_name,
            server_certificate=None
            if event.server_certificate is None
            else event.server_certificate.subject,
        )
        if not challenged:
            return self._next()
        worked = RegistrarTarget(
            host=target.host, port=target.port, transport=target.transport, address=event.address
        )
        assert ctx.web_url is not None and self.asked is not None
        ctx.challenged = RegistrarConnection(
            host=target.host,
            address=event.address,
            port=event.port,
            label=worked.label(),
            local_address=event.local_address or ctx.network.address,
            local_port=event.local_port or 0,
            call_id=self.asked.call_id,
            tag=self.asked.tag,
            challenge=Challenge(
                event.realm or "", event.target_name or target.host, event.version or 4
            ),
            target=worked,
        )
        return Done(web_url=ctx.web_url, registrar=worked.label())


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


__all__ = ["Registrar"]
