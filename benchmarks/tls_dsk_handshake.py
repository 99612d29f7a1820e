"""TLS-DSK inner handshakes, both ends in memory on one core.

Each handshake is the phone's four flights through `TlsDskClientSide` and
`TlsDskServerSide` (TLS 1.0, RSA-2048 keys, client certificate, key block
exported on both ends). Prints the median over runs of handshakes per second
(wall clock) and of CPU per handshake, in total and for each end, so a fleet or
a lab can tell what one sign-in's inner handshake costs.

    python benchmarks/tls_dsk_handshake.py [--runs 7] [--handshakes 200] [--cpu 0]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import time

import OpenSSL
from OpenSSL import SSL

from phonesim.codec.tls_dsk.handshake import InnerTls, TlsDskClientSide, TlsDskServerSide
from phonesim.drivers.certificate_request import KeyPool, build_csr
from phonesim.lab.certificate_authority import LabCertificateAuthority

PHONE = "alice@lab.test"
POOL = "pool01.lab.test"


def credentials(now: datetime.datetime):
    """The phone's certificate as GetAndPublishCert issues it; an RSA server certificate
    from the same CA (the phone does not check it, as pidgin-sipe does not)."""
    ca = LabCertificateAuthority.create(now=now)
    keys = KeyPool("rsa-2048", size=2)
    phone_key, server_key = keys.take(), keys.take()
    phone = ca.sign_user_csr(build_csr(phone_key, entity=PHONE), entity=PHONE, now=now)
    server = ca.sign_user_csr(build_csr(server_key, entity=POOL), entity=POOL, now=now)
    return ca.chain[0], phone, phone_key, server, server_key


def one_run(
    count: int, client_side, server_side, phone, phone_key, now
) -> tuple[float, float, float]:
    """Wall seconds, client CPU seconds and server CPU seconds for `count` handshakes."""
    client_cpu = server_cpu = 0.0
    start = time.perf_counter()
    for _ in range(count):
        mark = time.process_time()
        client = client_side.handshake(phone, phone_key)
        first = client.step()
        middle = time.process_time()
        server = server_side.handshake(now=now)
        second = server.step(first)
        after_server = time.process_time()
        third = client.step(second)
        after_client = time.process_time()
        fourth = server.step(third)
        _ = server.key_block, server.keys
        after_server_2 = time.process_time()
        client.step(fourth)
        _ = client.key_block, client.keys
        end = time.process_time()
        client_cpu += (middle - mark) + (after_client - after_server) + (end - after_server_2)
        server_cpu += (after_server - middle) + (after_server_2 - after_client)
        assert client.complete and server.complete
    return time.perf_counter() - start, client_cpu, server_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--handshakes", type=int, default=200, help="handshakes per run")
    parser.add_argument("--cpu", type=int, default=0, help="CPU to pin to; -1 leaves it free")
    arguments = parser.parse_args()
    pinned = "not pinned"
    if arguments.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {arguments.cpu})
        pinned = f"pinned to CPU {arguments.cpu}"

    now = datetime.datetime.now(datetime.UTC)
    root, phone, phone_key, server, server_key = credentials(now)
    client_side = TlsDskClientSide(InnerTls())
    server_side = TlsDskServerSide(server, server_key, client_roots=[root], tls=InnerTls())
    one_run(10, client_side, server_side, phone, phone_key, now)  # warm-up

    rates, total, clients, servers = [], [], [], []
    n = arguments.handshakes
    for _ in range(arguments.runs):
        wall, client_cpu, server_cpu = one_run(n, client_side, server_side, phone, phone_key, now)
        rates.append(n / wall)
        total.append((client_cpu + server_cpu) / n)
        clients.append(client_cpu / n)
        servers.append(server_cpu / n)

    print(
        f"TLS-DSK handshake, both ends in memory: {platform.python_version()}, "
        f"pyOpenSSL {OpenSSL.__version__}, {SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode()}, "
        f"{pinned}; {arguments.runs} runs x {n} handshakes, medians"
    )
    print(f"  handshakes per second      {statistics.median(rates):9.0f}")
    print(f"  CPU per handshake, total   {statistics.median(total) * 1e3:9.3f} ms")
    print(f"    client (phone) end       {statistics.median(clients) * 1e3:9.3f} ms")
    print(f"    server (registrar) end   {statistics.median(servers) * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()
