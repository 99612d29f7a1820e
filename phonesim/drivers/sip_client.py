"""The phone's first SIP round trip: REGISTER over TLS, expecting a 401 TLS-DSK challenge.

The socket work is `register`; what the phone sends (`register_message`) and what it
makes of the answer or of a connection that failed (`registrar_answer`,
`connect_failed`) are plain functions, which the in-memory lab pairing uses too.
"""

from __future__ import annotations

import asyncio
import os
import ssl

from phonesim.codec.certificate import CertificateSummary, summarize_certificate
from phonesim.codec.sip_message import (
    MalformedSip,
    build_register,
    parse_challenges,
    parse_response,
    pick_challenge,
    split_message,
)
from phonesim.core.commands import ConnectRegistrar
from phonesim.core.events import RegistrarAnswered
from phonesim.core.failure import ServiceFailure
from phonesim.errors import PhonesimError


async def register(
    command: ConnectRegistrar,
    *,
    real_port: int,
    trust: ssl.SSLContext | None,
    user_agent: str,
    timeout: float,
) -> RegistrarAnswered:
    use_tls = command.transport == "tls"
    if use_tls and trust is None:
        return registrar_failed(command, "tls", "no trusted root chain yet")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(
                command.address,
                real_port,
                ssl=trust if use_tls else None,
                server_hostname=command.host if use_tls else None,
            ),
            timeout,
        )
    except OSError as error:  # TimeoutError and ssl.SSLError are OSErrors too
        return connect_failed(command, error, timeout)

    try:
        peer = writer.get_extra_info("ssl_object")
        server_certificate = None
        if peer is not None:
            der = peer.getpeercert(binary_form=True)
            server_certificate = summarize_certificate(der) if der else None
        local_host, local_port = writer.get_extra_info("sockname")[:2]
        writer.write(
            register_message(
                command, local_host=local_host, local_port=local_port, user_agent=user_agent
            )
        )
        await writer.drain()
        message = await asyncio.wait_for(_read_message(reader), timeout)
    except TimeoutError:
        return no_answer(command, timeout)
    except (MalformedSip, PhonesimError) as error:
        return registrar_failed(command, "malformed", str(error))
    except (OSError, asyncio.IncompleteReadError) as error:
        return connection_lost(command, error)
    finally:
        writer.close()
    return registrar_answer(command, message, server_certificate)


def register_message(
    command: ConnectRegistrar, *, local_host: str, local_port: int, user_agent: str
) -> bytes:
    """The REGISTER the phone sends from `local_host:local_port`."""
    return build_register(
        registrar_host=command.host,
        sip_uri=command.sip_uri,
        local_host=local_host,
        local_port=local_port,
        call_id=command.call_id,
        tag=command.tag,
        branch=command.branch,
        user_agent=user_agent,
        transport="TLS" if command.transport == "tls" else "TCP",
    )


def registrar_answer(
    command: ConnectRegistrar, message: bytes, server_certificate: CertificateSummary | None
) -> RegistrarAnswered:
    """What the phone makes of the registrar's answer to its REGISTER."""
    try:
        response = parse_response(message)
        challenges = parse_challenges(response.headers)
    except PhonesimError as error:  # MalformedSip is one
        return registrar_failed(command, "malformed", str(error))
    # The phone speaks TLS-DSK only; the other schemes a registrar offers are noted, not used.
    challenge = pick_challenge(challenges, "TLS-DSK") or (challenges[0] if challenges else None)
    scheme = sts_uri = realm = target_name = None
    if challenge is not None:
        scheme = challenge.scheme
        sts_uri = challenge.params.get("sts-uri")
        realm = challenge.params.get("realm")
        target_name = challenge.params.get("targetname")
    return RegistrarAnswered(
        command.host,
        command.address,
        command.port,
        status=response.status,
        reason_phrase=response.reason,
        auth_scheme=scheme,
        offered_schemes=tuple(c.scheme for c in challenges),
        sts_uri=sts_uri,
        realm=realm,
        target_name=target_name,
        server_certificate=server_certificate,
    )


def connect_failed(command: ConnectRegistrar, error: OSError, timeout: float) -> RegistrarAnswered:
    """No connection to the registrar: too slow, refused, or its TLS not trusted."""
    if isinstance(error, TimeoutError):
        return registrar_failed(command, "timeout", f"no TCP/TLS connection within {timeout:g} s")
    if isinstance(error, ssl.SSLCertVerificationError):
        return registrar_failed(command, "tls", error.verify_message or str(error))
    if isinstance(error, ssl.SSLError):
        return registrar_failed(command, "tls", error.reason or str(error))
    return registrar_failed(command, "connect", _os_error_text(error))


def no_answer(command: ConnectRegistrar, timeout: float) -> RegistrarAnswered:
    """Connected, but the registrar did not answer the REGISTER in time."""
    return registrar_failed(command, "timeout", f"no SIP answer within {timeout:g} s")


def connection_lost(
    command: ConnectRegistrar, error: OSError | asyncio.IncompleteReadError
) -> RegistrarAnswered:
    """The connection broke before a whole answer came (a TLS-only registrar spoken to in clear)."""
    return registrar_failed(command, "connect", f"connection lost: {error}")


def registrar_failed(command: ConnectRegistrar, kind: str, detail: str) -> RegistrarAnswered:
    return RegistrarAnswered(
        command.host, command.address, command.port, failure=ServiceFailure(kind, detail)
    )


async def _read_message(reader: asyncio.StreamReader) -> bytes:
    buffer = b""
    while True:
        found = split_message(buffer)
        if found is not None:
            return found[0]
        chunk = await reader.read(4096)
        if not chunk:
            raise asyncio.IncompleteReadError(buffer, None)
        buffer += chunk


def _os_error_text(error: OSError) -> str:
    """ "Connection refused" rather than asyncio's "Connect call failed ('127.0.0.1', 40123)",
    which names the lab's real port instead of the one the phone dialled."""
    if error.errno:
        return os.strerror(error.errno)
    return error.strerror or str(error)
