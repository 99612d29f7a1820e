"""The phone's SIP connection to the registrar: the first REGISTER over TLS, expecting a
401 TLS-DSK challenge, and the connection kept open for the sign-in that follows.

The socket work is `register` and `SipConnection`; what the phone sends
(`register_message`) and what it makes of the answer or of a connection that failed
(`registrar_answer`, `connect_failed`) are plain functions, which the in-memory lab
pairing uses too.
"""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Callable

from phonesim.codec.certificate import CertificateSummary, summarize_certificate
from phonesim.codec.sip_message import (
    DEFAULT_SIP_LIMITS,
    MalformedSip,
    SipLimits,
    build_register,
    check_limits,
    parse_challenges,
    parse_response,
    pick_challenge,
    split_message,
)
from phonesim.core.commands import ConnectRegistrar, SendSipMessage
from phonesim.core.events import RegistrarAnswered, SipReceived
from phonesim.core.failure import ServiceFailure
from phonesim.core.profile import SipBehaviour
from phonesim.core.tls_dsk.registrar_answers import diagnostics_of
from phonesim.drivers.sip_socket import SipSocket
from phonesim.errors import PhonesimError


async def register(
    command: ConnectRegistrar,
    *,
    real_port: int,
    trust: ssl.SSLContext | None,
    user_agent: str,
    timeout: float,
    keep: Callable[[SipConnection], None] | None = None,
    limits: SipLimits = DEFAULT_SIP_LIMITS,
) -> RegistrarAnswered:
    """The first REGISTER and its answer. After a TLS-DSK challenge the connection is
    handed to `keep`, open, for the sign-in; otherwise it is closed."""
    use_tls = command.transport == "tls"
    if use_tls and trust is None:
        return registrar_failed(command, "tls", "no trusted root chain yet")
    try:
        sock = await asyncio.wait_for(
            SipSocket.connect(
                command.address,
                real_port,
                context=trust if use_tls else None,
                server_hostname=command.host if use_tls else None,
            ),
            timeout,
        )
    except OSError as error:  # TimeoutError and ssl.SSLError are OSErrors too
        return connect_failed(command, error, timeout)

    kept = False
    try:
        peer = sock.tls
        server_certificate = None
        if peer is not None:
            der = peer.getpeercert(binary_form=True)
            server_certificate = summarize_certificate(der) if der else None
        local_host, local_port = sock.sockname()
        connection = SipConnection(sock, limits)
        connection.send(
            register_message(
                command, local_host=local_host, local_port=local_port, user_agent=user_agent
            )
        )
        message = await asyncio.wait_for(connection.read_message(), timeout)
        answer = registrar_answer(
            command,
            message,
            server_certificate,
            local_address=local_host,
            local_port=local_port,
        )
        if (
            keep is not None
            and answer.status == 401
            and (answer.auth_scheme or "").upper() == "TLS-DSK"
        ):
            keep(connection)
            kept = True
        return answer
    except TimeoutError:
        return no_answer(command, timeout)
    except (MalformedSip, PhonesimError) as error:
        return registrar_failed(command, "malformed", str(error))
    except (OSError, asyncio.IncompleteReadError) as error:
        return connection_lost(command, error)
    finally:
        if not kept:
            sock.close()


class SipConnection:
    """One open SIP connection: a message written, the next whole message read back."""

    __slots__ = ("_buffer", "_limits", "_socket")

    def __init__(self, sock: SipSocket, limits: SipLimits = DEFAULT_SIP_LIMITS) -> None:
        self._socket = sock
        self._limits = limits
        self._buffer = b""

    async def read_message(self) -> bytes:
        """The next whole message; MalformedSip once it goes over the limits."""
        while True:
            found = split_message(self._buffer, self._limits.max_message)
            if found is not None:
                message, self._buffer = found
                check_limits(message, self._limits)
                return message
            chunk = await self._socket.read(4096)
            if not chunk:
                raise asyncio.IncompleteReadError(self._buffer, None)
            self._buffer += chunk

    async def exchange(self, command: SendSipMessage) -> SipReceived:
        """Send `command`'s message; the registrar's answer, or why none came."""
        try:
            self._socket.write(command.data)
            message = await asyncio.wait_for(self.read_message(), command.timeout)
        except TimeoutError:
            return sip_failed(command, "timeout", f"no SIP answer within {command.timeout:g} s")
        except (OSError, asyncio.IncompleteReadError) as error:
            return sip_failed(command, "connect", f"connection lost: {error}")
        except MalformedSip as error:
            return sip_failed(command, "malformed", str(error))
        return SipReceived(command.host, command.address, command.port, message)

    def send(self, data: bytes) -> None:
        """Bytes that wait for no answer (a CRLF keep-alive); a broken connection shows in
        the next exchange."""
        if not self._socket.is_closing():
            self._socket.write(data)

    def close(self) -> None:
        self._socket.close()


def sip_limits(sip: SipBehaviour) -> SipLimits:
    """The profile's bounds on a registrar's messages."""
    return SipLimits(sip.max_message, sip.max_headers, sip.max_header_line)


def sip_failed(command: SendSipMessage, kind: str, detail: str) -> SipReceived:
    return SipReceived(
        command.host, command.address, command.port, failure=ServiceFailure(kind, detail)
    )


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
    command: ConnectRegistrar,
    message: bytes,
    server_certificate: CertificateSummary | None,
    *,
    local_address: str | None = None,
    local_port: int | None = None,
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
    version = None
    if challenge is not None:
        scheme = challenge.scheme
        sts_uri = challenge.params.get("sts-uri")
        realm = challenge.params.get("realm")
        target_name = challenge.params.get("targetname")
        digits = challenge.params.get("version") or ""
        version = int(digits) if digits.isdigit() else None
    retry_after = (response.headers.get("Retry-After") or "").partition(";")[0].strip()
    diagnostics = diagnostics_of(response)
    return RegistrarAnswered(
        command.host,
        command.address,
        command.port,
        retry_after=int(retry_after) if retry_after.isdigit() else None,
        error_id=None if diagnostics is None else diagnostics.error_id,
        server_reason=None if diagnostics is None else diagnostics.reason,
        status=response.status,
        reason_phrase=response.reason,
        auth_scheme=scheme,
        offered_schemes=tuple(c.scheme for c in challenges),
        sts_uri=sts_uri,
        realm=realm,
        target_name=target_name,
        version=version,
        local_address=local_address,
        local_port=local_port,
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


def _os_error_text(error: OSError) -> str:
    """ "Connection refused" rather than asyncio's "Connect call failed ('127.0.0.1', 40123)",
    which names the lab's real port instead of the one the phone dialled."""
    if error.errno:
        return os.strerror(error.errno)
    return error.strerror or str(error)
