"""pidgin-sipe, an implementation of Web Ticket, GetAndPublishCert and TLS-DSK that
phonesim did not write, signs a desktop user in to the lab.

SIPE runs under bitlbee inside a network namespace whose only DNS is the lab's; the
lab listens on the host end of the namespace's veth, its web services on the standard
ports the documents name. What is asserted comes from SIPE's own debug output.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dns.exception
import dns.message
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from phonesim.lab.directory import LabDirectory
from phonesim.lab.lab_servers import LabServers, configure_lab
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import LabScenario
from tests.interop.bitlbee_sipe import (
    SipeAccount,
    SipeRun,
    build_sax1_shim,
    prepare_home,
    run_sipe,
)
from tests.netns import Namespace, namespace, require_netns

pytestmark = pytest.mark.netns

DOMAIN = "phonesim.test"
USER = "alice@phonesim.test"
PASSWORD = "13579"  # the lab's one secret per user: alice's PIN (lab/data/users.toml)
TIMEOUT = 25.0
"""Seconds one sign-in may take at most; the test makes two."""
SIPE_PLUGIN = "/usr/lib/purple-2/libsipe.so"
LIBXML2_HEADER = "/usr/include/libxml2/libxml/parser.h"


@dataclass
class RunningLab:
    servers: LabServers
    registrar_port: int
    ca_pem: bytes


@asynccontextmanager
async def lab_on(ns: Namespace) -> AsyncIterator[RunningLab]:
    layout = LabLayout(domain=DOMAIN, address=ns.segment.host_address)
    servers = configure_lab(
        layout, LabScenario.healthy(), users=LabDirectory.load(), now=datetime.now(UTC)
    )
    host = layout.address
    try:
        await servers.web.start(host, ports={"http": 80, "https": 443})
        await servers.registrar.start(host)
        await servers.dns.start(host, 53)
        root = x509.load_der_x509_certificate(servers.ca.chain[-1])
        yield RunningLab(servers, servers.registrar.port, root.public_bytes(Encoding.PEM))
    finally:
        await servers.dns.close()
        await servers.registrar.close()
        await servers.web.close()


@asynccontextmanager
async def namespace_etc(ns: Namespace, ca_pem: bytes) -> AsyncIterator[None]:
    """`ip netns exec` shows each entry of /etc/netns/<name> in place of /etc's: the lab's
    DNS is the only resolver, and its CA the only one in /etc/ssl/certs (which libpurple
    trusts; it reads no CA from its own user directory)."""
    etc = Path("/etc/netns") / ns.name
    certs = etc / "ssl" / "certs"
    certs.mkdir(parents=True)
    try:
        (etc / "resolv.conf").write_text(
            f"nameserver {ns.segment.host_address}\noptions timeout:1 attempts:1\n"
        )
        (certs / "phonesim-lab-root.pem").write_bytes(ca_pem)
        yield
    finally:
        shutil.rmtree(etc, ignore_errors=True)


def require_bitlbee() -> None:
    """Without root, skipped like every netns test (a failure in CI). Without SIPE and what
    it needs, a failure everywhere: .ci/run installs them, and a run that leaves this check
    out must say so."""
    require_netns()
    needed = {
        "bitlbee (apt-get install bitlbee-libpurple)": shutil.which("bitlbee"),
        "pidgin-sipe (apt-get install pidgin-sipe)": Path(SIPE_PLUGIN).exists() or None,
        "gcc": shutil.which("gcc"),
        "libxml2 headers (apt-get install libxml2-dev)": Path(LIBXML2_HEADER).exists() or None,
    }
    missing = [what for what, found in needed.items() if not found]
    if missing:
        pytest.fail(f"the pidgin-sipe check needs {', '.join(missing)}; .ci/run installs them")


async def sign_in(
    ns: Namespace, tmp_path: Path, *, sign_wrongly: bool = False
) -> tuple[RunningLab, SipeRun, list[str]]:
    """One sign-in of SIPE to a fresh lab; also every name SIPE asked the lab's DNS."""
    async with lab_on(ns) as lab, namespace_etc(ns, lab.ca_pem):
        asked: list[str] = []
        answer = lab.servers.dns.answer

        def recording(data: bytes) -> bytes | None:
            with contextlib.suppress(dns.exception.DNSException):
                asked.extend(q.name.to_text() for q in dns.message.from_wire(data).question)
            return answer(data)

        lab.servers.dns.answer = recording  # type: ignore[method-assign]
        tls_dsk = lab.servers.registrar.tls_dsk
        assert tls_dsk is not None
        # The negative control: every answer under the association signed with the
        # client's key instead of the server's (the first is the REGISTER's 200 OK).
        tls_dsk.sign_with_client_key = sign_wrongly
        pool = lab.servers.registrar.pool_fqdn
        account = SipeAccount(
            sign_in_name=USER,
            password=PASSWORD,
            server=f"{pool}:{lab.registrar_port}",
            email_url=f"https://{lab.servers.web.web_fqdn}/EWS/Exchange.asmx",
        )
        folder = tmp_path / ("wrong" if sign_wrongly else "right")
        folder.mkdir()
        run = await run_sipe(
            ("ip", "netns", "exec", ns.name),
            prepare_home(folder),
            account,
            debug_log=folder / "bitlbee.log",
            timeout=TIMEOUT,
            preload=build_sax1_shim(folder),
        )
        return lab, run, asked


def printed_key(run: SipeRun, which: str) -> bytes:
    """A key as SIPE prints it: `tls_finished: TLS-DSK client key ( 32) = 12A4…`."""
    pattern = re.compile(rf"tls_finished: TLS-DSK {which} key\s+\(\s*\d+\) = ([0-9A-F]+)")
    found = [m.group(1) for line in run.debug if (m := pattern.search(line))]
    assert len(found) == 1, f"SIPE printed {len(found)} {which} keys"
    return bytes.fromhex(found[0])


CONNECTING = re.compile(r"^DEBUG proxy: Attempting connection to (\S+)")
SIGNED_IN = (
    # Web ticket: the WinNegotiate port, answered with Basic, issued a SAML token.
    "webticket_metadata: WebTicket Windows Negotiate Auth URI",
    "certprov_webticket: got ticket for https://web01.phonesim.test/CertProv/",
    # Certificate: GetAndPublishCert answered with one for the pool.
    "get_and_publish_cert: certificate for target 'pool01.phonesim.test' added",
    # TLS-DSK: the inner handshake completed, keys derived.
    "sip_sec_init_sec_context__tls_dsk: handshake completed",
    # The 200 OK to REGISTER, its signature checked first.
    "sip_transport_input: signature of incoming message validated",
    "process_register_response: authentication handshake completed successfully",
    "process_register_response: got 200",
    # In-band provisioning: the signed answer read and applied.
    "process_subscribe_response: subscription 'vnd-microsoft-provisioning-v2' to "
    "'sip:alice@phonesim.test' was terminated",
    "sipe_process_provisioning_v2:",
    "process_subscribe_response: subscription dialog added for event "
    "'<vnd-microsoft-roaming-self>'",
    # Its roaming data read, SIPE publishes its presence: SERVICE, answered and signed.
    "sipe_ocs2007_process_roaming_self",
    "process_input_message: msg->response(200),msg->method(SERVICE)",
)


def test_pidgin_sipe_signs_in_to_the_lab_and_rejects_a_bad_signature(tmp_path: Path) -> None:
    require_bitlbee()
    with namespace("sipe") as ns:
        lab, run, asked = asyncio.run(sign_in(ns, tmp_path))
        _, refused, _ = asyncio.run(sign_in(ns, tmp_path, sign_wrongly=True))

    where = f"(logs in {tmp_path})"
    assert run.signed_in, f"bitlbee never said 'Logged in' {where}"
    missing = [marker for marker in SIGNED_IN if not run.has(marker)]
    assert not missing, f"SIPE never logged {missing} {where}"
    assert not run.has("signature of incoming message is invalid"), where
    # The keys SIPE derived are the keys the lab derived for that association.
    tls_dsk = lab.servers.registrar.tls_dsk
    assert tls_dsk is not None
    [association] = [sa for sa in tls_dsk.associations.values() if sa.established]
    assert association.keys is not None
    assert printed_key(run, "client") == association.keys.client
    assert printed_key(run, "server") == association.keys.server
    assert tls_dsk.counts["registered"] == 1
    assert tls_dsk.subscriptions.counts["vnd-microsoft-provisioning-v2"] == 1
    # Nothing asked outside the lab domain (no autodiscover, no realm lookup, no MRAS).
    assert asked, "SIPE asked the lab's DNS nothing"
    outside = [name for name in asked if not name.rstrip(".").endswith("." + DOMAIN)]
    assert not outside, f"SIPE asked DNS for names outside {DOMAIN}: {outside}"
    assert lab.servers.dns.counts["refused"] == 0
    # And every connection SIPE opened went to the lab.
    peers = {m.group(1) for line in run.debug if (m := CONNECTING.search(line))}
    assert peers == {ns.segment.host_address}, f"SIPE connected to {peers} {where}"

    # The negative control: the lab's 200 OK signed with the wrong key is refused.
    assert not refused.signed_in, f"SIPE signed in despite a wrongly signed 200 OK {where}"
    assert refused.has("sip_sec_init_sec_context__tls_dsk: handshake completed"), where
    assert not refused.has("process_register_response: authentication handshake completed")
    assert refused.has("sip_transport_input: signature of incoming message is invalid."), where
    assert any("Login error: Invalid message signature received" in line for line in refused.irc)
