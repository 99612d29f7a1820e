"""CPU spent inside the cryptography, counted per kind, for the sign-in benchmark.

Each counted call is wrapped (in the benchmark's processes only, never in
phonesim) with `time.thread_time()` before and after: the time is the calling
thread's own CPU, so a phone's crypto is not charged for what other threads or
the other process did meanwhile. The wrappers sit at the library boundary
(`ssl.SSLObject`, `ssl.SSLSocket`, pyOpenSSL's `Connection`, cryptography's
builders), so what is counted is the library's work: the handshake's key exchange, signatures and
certificate checks, the record ciphers. What the wrapper itself costs (two
clock reads, about a microsecond a call) is charged to "the rest".

`python benchmarks/crypto_clock.py LAB-CHILD-ARGS...` runs the fleet's lab
child with the same counters; SIGUSR1 makes it write them as JSON to the file
named by PHONESIM_CRYPTO_CLOCK (written whole, then renamed).
"""

from __future__ import annotations

import functools
import json
import os
import signal
import ssl
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

KEY_GENERATION = "key generation"
CSR_SIGNATURE = "CSR signature"
CA_SIGNATURE = "CA certificate signature"
TLS_HANDSHAKE = "TLS handshakes (web, SIP)"
TLS_RECORDS = "TLS records (web, SIP)"
TLS_DSK = "TLS-DSK handshake"
KINDS = (KEY_GENERATION, CSR_SIGNATURE, CA_SIGNATURE, TLS_HANDSHAKE, TLS_RECORDS, TLS_DSK)

ENVIRONMENT = "PHONESIM_CRYPTO_CLOCK"

seconds: dict[str, float] = dict.fromkeys(KINDS, 0.0)
calls: dict[str, int] = dict.fromkeys(KINDS, 0)
_installed = False


def _counted(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
    clock = time.thread_time

    @functools.wraps(function)
    def counted(*args: Any, **kwargs: Any) -> Any:
        started = clock()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[kind] += clock() - started
            calls[kind] += 1

    return counted


def _wrap(owner: Any, name: str, kind: str) -> None:
    setattr(owner, name, _counted(kind, getattr(owner, name)))


def install() -> None:
    """Count from now on, in this process."""
    global _installed
    if _installed:
        return
    _installed = True
    from cryptography import x509
    from OpenSSL import SSL

    import phonesim.drivers.certificate_request as certificate_request

    _wrap(certificate_request, "_generate", KEY_GENERATION)
    _wrap(x509.CertificateSigningRequestBuilder, "sign", CSR_SIGNATURE)
    _wrap(x509.CertificateBuilder, "sign", CA_SIGNATURE)
    _wrap(ssl.SSLObject, "do_handshake", TLS_HANDSHAKE)
    _wrap(ssl.SSLObject, "read", TLS_RECORDS)
    _wrap(ssl.SSLObject, "write", TLS_RECORDS)
    # The phone's SIP connection is an SSLSocket on its descriptor (drivers/sip_socket.py):
    # its calls include the socket's own system calls, a little more than the cipher work.
    _wrap(ssl.SSLSocket, "do_handshake", TLS_HANDSHAKE)
    _wrap(ssl.SSLSocket, "recv", TLS_RECORDS)
    _wrap(ssl.SSLSocket, "send", TLS_RECORDS)
    _wrap(SSL.Connection, "do_handshake", TLS_DSK)
    _wrap(SSL.Connection, "export_keying_material", TLS_DSK)


def snapshot() -> dict[str, float]:
    return dict(seconds)


def _write(path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"seconds": seconds, "calls": calls}))
    partial.replace(path)


def read_lab(pid: int, path: Path, timeout: float = 10.0) -> dict[str, float]:
    """Ask the lab child for its counters and wait for them."""
    path.unlink(missing_ok=True)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError("the lab did not write its crypto counters")
        time.sleep(0.01)
    counted: dict[str, float] = json.loads(path.read_text())["seconds"]
    return counted


def _lab_child() -> int:
    install()
    path = Path(os.environ[ENVIRONMENT])
    signal.signal(signal.SIGUSR1, lambda *_: _write(path))
    from phonesim.fleet.lab_child import main

    return main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(_lab_child())
