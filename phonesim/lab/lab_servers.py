"""Every server of one lab, configured as its scenario says, before any socket opens.

EmbeddedLab puts these servers on loopback sockets; the in-memory lab
(`phonesim.testing.lab_pair`) calls their socket-free halves directly. Both build
them here, so both are the same lab: the same users, certificates, zone, DHCP
answers and faults.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from phonesim.lab.capture_responder import CapturedExchange, CaptureResponder
from phonesim.lab.certificate_authority import LabCertificateAuthority, SerialSource
from phonesim.lab.dhcp_responder import LabDhcpResponder
from phonesim.lab.directory import LabDirectory
from phonesim.lab.dns_server import LabDnsServer
from phonesim.lab.enterprise_dhcp import EnterpriseDhcpServer
from phonesim.lab.lab_plan import LabPlan
from phonesim.lab.layout import LabLayout
from phonesim.lab.registrar import Busy, LabRegistrar
from phonesim.lab.registrar_security import TlsDskRegistrar
from phonesim.lab.registrar_subscriptions import LabProvisioning
from phonesim.lab.scenario import LabScenario, RegistrarSpec
from phonesim.lab.time_server import LabTimeServer
from phonesim.lab.web_services import LabWebServices, WebFaults

UNTRUSTED_CA_NAME = "Untrusted Issuing CA"
OTHER_CLIENT_CA_NAME = "Other Issuing CA"
"""The CA a pool that does not trust the phones' certificates trusts instead."""


@dataclass
class LabServers:
    scenario: LabScenario
    directory: LabDirectory
    """The users the lab serves, as the scenario left them."""
    ca: LabCertificateAuthority
    web: LabWebServices
    registrar: LabRegistrar
    time: LabTimeServer
    dns: LabDnsServer
    dhcp: LabDhcpResponder | None
    capture_dhcp: CaptureResponder | None
    """Set instead of `dhcp` when DHCP answers with captured ACKs."""

    @property
    def registrar_up(self) -> bool:
        """A registrar that is down refuses every connection."""
        return self.scenario.registrar.state != "down"


def scenario_layout(scenario: LabScenario, base: LabLayout | None = None) -> LabLayout:
    """The lab's layout with the host names the scenario gives its web and pool servers."""
    return replace(base or LabLayout(), web_name=scenario.web_name, pool_name=scenario.pool_name)


def configure_lab(
    layout: LabLayout,
    scenario: LabScenario,
    *,
    users: LabDirectory,
    now: datetime,
    dhcp_capture: CapturedExchange | None = None,
    clock: Callable[[], datetime] | None = None,
    serials: SerialSource = x509.random_serial_number,
) -> LabServers:
    """The lab's servers at `now` (when its CA and certificates start).

    `clock` is the lab's own time for what it reads later (tickets, NTP answers);
    None keeps each server on the host's clock. `serials` numbers every certificate.
    """
    plan = LabPlan(layout, scenario)
    directory = plan.directory(users)
    ca = LabCertificateAuthority.create(
        now=now + timedelta(days=scenario.certificates.ca_valid_from_days), serials=serials
    )
    server_ca = ca
    if scenario.certificates.server_issuer == "untrusted":
        server_ca = LabCertificateAuthority.create(name=UNTRUSTED_CA_NAME, now=now, serials=serials)
    faults = WebFaults(
        status_by_path=dict(scenario.web_status),
        expired_tickets=scenario.expired_tickets,
        max_clock_skew=timedelta(seconds=scenario.max_clock_skew),
    )
    if clock is None:
        web = LabWebServices(
            web_fqdn=layout.web_fqdn, ca=ca, server_ca=server_ca, directory=directory, faults=faults
        )
        time = LabTimeServer(offset=scenario.time_offset)
    else:
        web = LabWebServices(
            web_fqdn=layout.web_fqdn,
            ca=ca,
            server_ca=server_ca,
            directory=directory,
            faults=faults,
            now=clock,
        )
        time = LabTimeServer(offset=scenario.time_offset, clock=lambda: clock().timestamp())
    names = plan.registrar_names()
    spec = scenario.registrar
    client_roots = ca.chain[:1]
    if not spec.trusts_client_ca:
        # The pool trusts another CA than the one whose certificates CertProv hands out.
        other = LabCertificateAuthority.create(name=OTHER_CLIENT_CA_NAME, now=now, serials=serials)
        client_roots = other.chain[:1]
    end = functools.partial(_tls_dsk_end, ca, layout, spec, client_roots, now)
    registrar = LabRegistrar(
        pool_fqdn=layout.pool_fqdn,
        sts_uri=layout.cert_prov_url,
        ssl_context=server_ca.server_ssl_context(plan.registrar_names(), now=now),
        tls_dsk=functools.partial(end, names, layout.pool_fqdn, None),
        clock=clock,
        delay=spec.delay,
        roles={
            fqdn: functools.partial(end, [fqdn], fqdn, home)
            for fqdn, home in plan.registrar_roles().items()
        },
        busy=Busy(spec.retry_after) if spec.state == "busy" else None,
    )
    return LabServers(
        scenario=scenario,
        directory=directory,
        ca=ca,
        web=web,
        registrar=registrar,
        time=time,
        dns=LabDnsServer(plan.zone(), silent=scenario.dns.silent),
        dhcp=None
        if dhcp_capture is not None
        else LabDhcpResponder(plan.dhcp_servers(), enterprise_server(scenario, layout)),
        capture_dhcp=None if dhcp_capture is None else CaptureResponder(dhcp_capture),
    )


def _tls_dsk_end(
    ca: LabCertificateAuthority,
    layout: LabLayout,
    spec: RegistrarSpec,
    client_roots: list[bytes],
    now: datetime,
    names: list[str],
    fqdn: str,
    redirect_to: str | None,
) -> TlsDskRegistrar:
    """A registrar's TLS-DSK end (the pool's, a Director's or a home pool's, each with its
    own server certificate), trusting the certificates the lab's CertProv signs unless the
    scenario says otherwise. Made when a phone first answers the challenge, so a boot that
    stops at the challenge costs no more than it did, and its certificates' serials are as
    they were."""
    key = _tls_dsk_key()
    return TlsDskRegistrar(
        pool_fqdn=fqdn,
        sts_uri=layout.cert_prov_url,
        server_certificate=ca.issue_server_certificate(key.public_key(), names, now=now),
        server_key=key,
        client_roots=client_roots,
        expires=spec.expires,
        keep_alive=spec.keep_alive,
        sa_lifetime=timedelta(seconds=spec.sa_lifetime),
        redirect_to=redirect_to,
        refuse_register=spec.refuse_register,
        sign_with_client_key=spec.server_signature == "client_key",
        provisioning=None
        if spec.backup_pool is None
        else LabProvisioning(fqdn, backup_pool_fqdn=layout.fqdn(spec.backup_pool)),
    )


@functools.cache
def _tls_dsk_key() -> rsa.RSAPrivateKey:
    """The pool's key for the TLS-DSK handshake, one per process: its suites need RSA key
    exchange, and an RSA key costs tens of milliseconds, which a lab per test repeats."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def enterprise_server(scenario: LabScenario, layout: LabLayout) -> EnterpriseDhcpServer | None:
    """The site's own DHCP server, when the scenario has one: at the lab's address, giving
    the lab's domain, DNS and time server."""
    if scenario.enterprise_dhcp is None:
        return None
    return EnterpriseDhcpServer(
        scenario.enterprise_dhcp,
        server_id=layout.address,
        domain=layout.domain,
        dns_server=layout.address,
        ntp_server=layout.address,
    )
