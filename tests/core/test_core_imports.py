"""Importing the phone's core loads no TLS engine: the core reads the TLS-DSK handshake's
failures, while the drivers and the lab run the handshake. A fleet's children, replay and
the command line import the core, and pyOpenSSL costs them tens of milliseconds each."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_core_loads_no_tls_engine() -> None:
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, phonesim.core.phone, phonesim.core.stages.machines; "
            "print(sorted(m for m in ('OpenSSL', 'cryptography.x509') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"
