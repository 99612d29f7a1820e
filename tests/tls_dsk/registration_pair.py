"""The phone's TLS-DSK session paired in memory with the lab's TLS-DSK registrar.

No sockets: what the phone sends goes straight to `TlsDskRegistrar.reply`, and the
answer straight back, on a virtual clock that both ends read (the lab as a
datetime from `EPOCH`, the phone as seconds since power-on). A test may stand
between them: `on_answer` sees each answer and returns what the phone gets
(None: lost), `on_request` does the same for what the phone sends.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509

from phonesim.codec.sip_message import parse_challenges, parse_response, pick_challenge
from phonesim.codec.tls_dsk.handshake import InnerTls, TlsDskClientSide
from phonesim.core.tls_dsk.messages import (
    Challenge,
    RegistrarMessage,
    SendKeepAlive,
    SendSip,
    SessionStep,
)
from phonesim.core.tls_dsk.register_request import Endpoint, register
from phonesim.core.tls_dsk.session import TlsDskSession
from phonesim.lab.registrar_security import TlsDskRegistrar
from phonesim.profiles import load_profile
from tests.tls_dsk.credentials import PHONE, POOL, Credentials

EPOCH = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STS_URI = f"https://{POOL}:443/CertProv/CertProvisioningService.svc"
EPID = "01010101"
"""The MS-SIPRE vector's epid: its +sip.instance is 4b1682a8-f968-5701-83fc-7c6741dc6697."""
PROFILE = load_profile("polycom-cx600")

Tamper = Callable[[bytes], bytes | None]


@dataclass
class Pair:
    session: TlsDskSession
    registrar: TlsDskRegistrar
    t: float = 0.0
    requests: list[bytes] = field(default_factory=list)
    """Every REGISTER the phone sent, as the registrar got it."""
    answers: list[bytes] = field(default_factory=list)
    """Every answer, as the phone got it."""
    keep_alives: list[float] = field(default_factory=list)
    steps: list[SessionStep] = field(default_factory=list)
    on_answer: Tamper | None = None
    on_request: Tamper | None = None
    held: list[bytes] = field(default_factory=list)
    """What the phone sent that waits for `deliver()` (with `hold=True`)."""
    hold: bool = False

    @property
    def lab_now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.t)

    def start(self) -> SessionStep:
        return self._pump(self.session.start(self.t))

    def timer(self, t: float) -> SessionStep:
        assert t >= self.t
        self.t = t
        return self._pump(self.session.handle_timer(t))

    def run_until(self, end: float) -> list[SessionStep]:
        """Every deadline up to `end`, taken when it falls due; the steps that said something."""
        said: list[SessionStep] = []
        while (deadline := self.session.next_deadline()) is not None and deadline <= end:
            step = self.timer(deadline)
            if step is not None:
                said.append(step)
        self.t = max(self.t, end)
        return said

    def deliver(self, t: float | None = None) -> SessionStep:
        """Hand the registrar what the phone sent while held, at `t`, and answer."""
        if t is not None:
            self.t = t
        held, self.held = self.held, []
        step: SessionStep = None
        for data in held:
            step = self._exchange(data) or step
        return self._pump(None) or step

    def _pump(self, step: SessionStep) -> SessionStep:
        if step is not None:
            self.steps.append(step)
        while commands := self.session.take():
            for command in commands:
                if isinstance(command, SendKeepAlive):
                    assert command.data == b"\r\n\r\n"
                    self.keep_alives.append(self.t)
                    continue
                assert isinstance(command, SendSip)
                if self.hold:
                    self.held.append(command.data)
                    continue
                answered = self._exchange(command.data)
                if answered is not None:
                    step = answered
        return step

    def _exchange(self, data: bytes) -> SessionStep:
        sent = data if self.on_request is None else self.on_request(data)
        if sent is None:
            return None
        self.requests.append(sent)
        answer = self.registrar.reply(sent, self.lab_now)
        if self.on_answer is not None:
            tampered = self.on_answer(answer)
            if tampered is None:
                return None
            answer = tampered
        self.answers.append(answer)
        step = self.session.handle(RegistrarMessage(answer), self.t)
        if step is not None:
            self.steps.append(step)
        return step


def make_registrar(credentials: Credentials, **options: Any) -> TlsDskRegistrar:
    return TlsDskRegistrar(
        pool_fqdn=POOL,
        sts_uri=STS_URI,
        server_certificate=credentials.server_certificate,
        server_key=credentials.server_key,
        client_roots=[credentials.root],
        rng=random.Random(7),
        **options,
    )


def endpoint(aor: str = f"sip:{PHONE}") -> Endpoint:
    return Endpoint(
        aor=aor,
        epid=EPID,
        local_host="192.0.2.10",
        local_port=5061,
        user_agent=PROFILE.device.user_agent,
        call_id="3c1f5a0b2d4e6f8091a2b3c4d5e6f708",
        tag="9a8b7c6d",
    )


def first_challenge(registrar: TlsDskRegistrar, phone: Endpoint) -> Challenge:
    """Row 1 of the sign-in, as the registrar stage does it: an unsigned REGISTER, and the
    TLS-DSK challenge read from the 401 by the SIP codec the stage uses."""
    answer = parse_response(
        registrar.reply(register(phone, cseq=1, branch="z9hG4bK0", expires=3600), EPOCH)
    )
    assert answer.status == 401
    challenge = pick_challenge(parse_challenges(answer.headers), "TLS-DSK")
    assert challenge is not None
    return Challenge(challenge.params["realm"], challenge.params["targetname"])


def make_pair(
    credentials: Credentials,
    *,
    phone_credentials: Credentials | None = None,
    certificate_not_after: float | None = None,
    profile=PROFILE,
    registrar_options: dict[str, Any] | None = None,
    aor: str = f"sip:{PHONE}",
) -> Pair:
    """The phone presents `phone_credentials`' certificate (`credentials`' by default) to a
    registrar that trusts `credentials`' CA."""
    registrar = make_registrar(credentials, **(registrar_options or {}))
    phone = endpoint(aor)
    mine = phone_credentials or credentials
    client = TlsDskClientSide(InnerTls(profile.tls_dsk.versions, profile.tls_dsk.ciphers))
    not_after = certificate_not_after
    if not_after is None:
        not_after = x509.load_der_x509_certificate(
            mine.phone_certificate
        ).not_valid_after_utc.timestamp()
    session = TlsDskSession(
        profile,
        phone,
        first_challenge(registrar, phone),
        handshakes=lambda: client.handshake(mine.phone_certificate, mine.phone_key),
        certificate_not_after=not_after,
        wall_time=lambda now: EPOCH.timestamp() + now,
        rng=random.Random(3),
    )
    return Pair(session, registrar)
