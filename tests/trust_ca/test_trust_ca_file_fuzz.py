"""Whatever a `--trust-ca` file holds, reading it ends in its certificates or one named error."""

from __future__ import annotations

import base64
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from phonesim.drivers.trust_ca_file import TrustCaError, read_trust_ca

MANY = settings(max_examples=300, deadline=None)
BEGIN = b"-----BEGIN CERTIFICATE-----\n"
END = b"\n-----END CERTIFICATE-----\n"


def read(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ca.pem"
        path.write_bytes(data)
        try:
            read_trust_ca(path)
        except TrustCaError as error:
            assert str(error).startswith(f"--trust-ca {path}: ")


@MANY
@given(st.binary(max_size=2048))
def test_any_bytes(data: bytes) -> None:
    read(data)


@MANY
@given(st.lists(st.binary(max_size=600), min_size=1, max_size=3), st.binary(max_size=40))
def test_certificate_blocks_of_any_content(bodies: list[bytes], between: bytes) -> None:
    blocks = [BEGIN + base64.encodebytes(body) + END for body in bodies]
    read(between.join(blocks))


@MANY
@given(st.binary(max_size=600))
def test_a_block_without_its_end(body: bytes) -> None:
    read(BEGIN + base64.encodebytes(body))
