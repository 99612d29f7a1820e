"""The root certificate chain, over plain HTTP from the web services host.

The phone trusts exactly the chain it downloads, once every certificate in it
is valid on the phone's own clock: a wrong clock makes every certificate of
the pool look unusable, which is why time comes first. CA certificates the
user supplied (`--trust-ca`) take the download's place: nothing is fetched,
the trace says so, and they are checked against the phone's clock the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from phonesim.codec.certificate import CertificateSummary
from phonesim.core.commands import FetchRootChain, TrustRootChain
from phonesim.core.context import BootContext, utc
from phonesim.core.events import Event, RootChainFetched
from phonesim.core.stage import Stage
from phonesim.core.stages.base import DONE, Failed, Step, Stepwise, service_failed
from phonesim.core.supplied_trust import SuppliedTrust
from phonesim.core.trace_schema import ROOTCHAIN_RECEIVED, ROOTCHAIN_REQUEST, ROOTCHAIN_SUPPLIED


class RootChain(Stepwise):
    __slots__ = ("host",)
    stage: ClassVar[Stage] = Stage.ROOTCHAIN

    def __init__(self, ctx: BootContext) -> None:
        super().__init__(ctx)
        assert ctx.web_url is not None
        self.host = urlsplit(ctx.web_url).hostname or ""

    def start(self, now: float) -> Step:
        if self.ctx.names.lookup(self.host, self):
            return self._resolved(now)
        return None

    def handle(self, event: Event, now: float) -> Step:
        if isinstance(event, RootChainFetched):
            return self._received(event, now)
        return self._resolved(now)

    def _resolved(self, now: float) -> Step:
        host = self.host
        if self.ctx.names.address_of(host) is None:
            return Failed(
                Stage.ROOTCHAIN,
                "web_host_unresolved",
                f"the web services host {host} does not resolve",
                servers_at_fault=True,
                host=host,
            )
        supplied = self.ctx.supplied_trust
        if supplied is not None:
            return self._supplied(supplied, now)
        url = root_chain_url(self.ctx)
        self.ctx.out.trace(ROOTCHAIN_REQUEST, url=url)
        self.ctx.ask(FetchRootChain(url, self.ctx.profile.web.timeout), self)
        return None

    def _received(self, event: RootChainFetched, now: float) -> Step:
        if event.failure is not None:
            return service_failed(Stage.ROOTCHAIN, event.url, event.failure)
        certificates = self._checked(event.certificates, now)
        self.ctx.out.trace(ROOTCHAIN_RECEIVED, url=event.url, certificates=certificates)
        if not event.certificates:
            return Failed(
                Stage.ROOTCHAIN,
                "empty",
                "the root chain download held no certificate",
                servers_at_fault=True,
            )
        invalid = self._invalid(certificates, now, "the root certificate", servers_at_fault=True)
        if invalid is not None:
            return invalid
        self.ctx.out.send(TrustRootChain())
        return DONE

    def _supplied(self, supplied: SuppliedTrust, now: float) -> Step:
        certificates = self._checked(supplied.certificates, now)
        self.ctx.out.trace(ROOTCHAIN_SUPPLIED, source=supplied.source, certificates=certificates)
        invalid = self._invalid(
            certificates,
            now,
            "the CA certificate",
            origin=f" given by --trust-ca {supplied.source}",
            servers_at_fault=False,
            trust_ca=supplied.source,
        )
        if invalid is not None:
            return invalid
        self.ctx.out.send(TrustRootChain(supplied=supplied.chain))
        return DONE

    def _checked(self, summaries: Sequence[CertificateSummary], now: float) -> list[dict[str, Any]]:
        at = utc(self.ctx.wall_time(now))
        return [
            {
                "subject": c.subject,
                "issuer": c.issuer,
                "not_before": c.not_before.isoformat(),
                "not_after": c.not_after.isoformat(),
                "valid_on_phone_clock": c.is_valid_at(at),
            }
            for c in summaries
        ]

    def _invalid(
        self,
        certificates: list[dict[str, Any]],
        now: float,
        what: str,
        *,
        origin: str = "",
        servers_at_fault: bool,
        **evidence: Any,
    ) -> Failed | None:
        invalid = next((c for c in certificates if not c["valid_on_phone_clock"]), None)
        if invalid is None:
            return None
        shown = utc(self.ctx.wall_time(now)).isoformat(timespec="seconds")
        return Failed(
            Stage.ROOTCHAIN,
            "not_valid_on_phone_clock",
            f"{what} {invalid['subject']}{origin} is not valid at the phone's time {shown}",
            servers_at_fault=servers_at_fault,
            subject=invalid["subject"],
            not_before=invalid["not_before"],
            not_after=invalid["not_after"],
            phone_time=shown,
            **evidence,
        )


def root_chain_url(ctx: BootContext) -> str:
    """Where the root chain is asked for: derived from the CertProv URL the phone was given
    (option 43's, or the cache's) as the profile says, so that a URL cut short fails here,
    before the PIN screen, as in the field; on the web host at the profile's path when the
    web services were themselves derived from a registrar's name."""
    assert ctx.web_url is not None
    web = ctx.profile.web
    parts = urlsplit(ctx.web_url)
    if ctx.web_derived:
        return f"http://{parts.hostname or ''}{web.root_chain_path}"
    try:
        port = parts.port
    except ValueError:
        port = None
    return web.root_chain_from_option_43.format(
        scheme=parts.scheme,
        host=parts.hostname or "",
        port=port if port is not None else (443 if parts.scheme == "https" else 80),
        path=parts.path.rstrip("/"),
    )


__all__ = ["RootChain", "root_chain_url"]
