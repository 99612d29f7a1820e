"""A phone held registered, on the virtual clock: refreshes before Expires, keep-alives on
time, new security associations on the phone's own timer and when the registrar forgot
one, and a sign-out at the end that the lab sees."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest

from phonesim.core import trace_schema as ts
from phonesim.core.outcome import Failure, Success
from phonesim.core.stage import Stage
from phonesim.lab.scenario import LabScenario, RegistrarSpec
from phonesim.profiles import load_profile
from phonesim.report.bootstrap_result import bootstrap_result
from phonesim.testing import LabPair

HOUR = 3600.0
EXPIRES = 300
KEEP_ALIVE = 60
AOR = "sip:alice@phonesim.test"


def lab(**registrar: float) -> LabScenario:
    spec = RegistrarSpec(expires=EXPIRES, keep_alive=KEEP_ALIVE, **registrar)  # type: ignore[arg-type]
    return dataclasses.replace(LabScenario.healthy(), registrar=spec)


class Wire:
    """When the registrar heard anything from the phone (a request or a keep-alive)."""

    def __init__(self, pair: LabPair) -> None:
        self.pair = pair
        self.heard: list[float] = []
        self.registers: list[float] = []
        registrar = pair.lab.registrar
        reply, keep_alive = registrar.reply, registrar.keep_alive

        def replying(message: bytes, host: str | None = None) -> bytes:
            self.heard.append(pair.now)
            if message.startswith(b"REGISTER"):
                self.registers.append(pair.now)
            return reply(message, host)

        def kept_alive() -> None:
            self.heard.append(pair.now)
            keep_alive()

        registrar.reply = replying  # type: ignore[method-assign]
        registrar.keep_alive = kept_alive  # type: ignore[method-assign]


def held(outcome: object) -> dict:
    assert isinstance(outcome, Success), outcome
    assert outcome.held is not None
    return outcome.held


def test_three_hours_held_refresh_keep_alive_renew_and_sign_out() -> None:
    pair = LabPair(lab(sa_lifetime=HOUR), hold=3 * HOUR)
    wire = Wire(pair)
    summary = held(pair.run())
    began = next(t for t in pair.traces if ts.HELD_BEGAN.matches(t)).t
    # Refreshed 30 s before each Expires: the binding never lapsed at the registrar.
    during = [t for t in wire.registers if t > began]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    assert max(gaps) <= EXPIRES
    # Silence never lasted longer than ms-keep-alive's timeout (one hop of latency).
    heard = [t for t in wire.heard if t > began]
    assert max(b - a for a, b in itertools.pairwise(heard)) <= KEEP_ALIVE + 0.01
    # The lab forgot each association after its hour: the next refresh got 401 and the
    # phone handshook again, twice in three hours.
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    assert summary["rehandshakes"] == 2 == tls_dsk.refusals["sa_expired"]
    assert tls_dsk.counts["handshakes"] == 3
    forced = [t for t in pair.traces if ts.HELD_REHANDSHAKED.matches(t)]
    assert [t.fields["cause"] for t in forced] == ["registrar_forgot"] * 2
    # Every refresh is one REGISTER 200 of the lab's, apart from the first and the last.
    assert summary["refreshes"] + summary["rehandshakes"] == tls_dsk.counts["registered"] - 1
    assert summary["refreshes"] >= math.floor(3 * HOUR / (EXPIRES - 30)) - 3
    assert summary["keep_alives"] == pair.lab.registrar.counts["keep_alives"] > 0
    # Signed out at the end: the binding is gone and counted.
    assert summary["signed_out"] is True and summary["held_for"] == pytest.approx(3 * HOUR, abs=1)
    assert AOR not in tls_dsk.bindings and tls_dsk.counts["unregistered"] == 1
    ending = pair.traces[-1]
    assert ts.HELD_SIGNED_OUT.matches(ending)
    assert ending.fields["refreshes"] == summary["refreshes"]
    # The roaming subscriptions were renewed before their hour ran out.
    assert summary["resubscriptions"] >= 4
    assert "held registered" in bootstrap_result(pair.outcome, phone={})["Reached"]


def test_the_phone_renews_its_association_on_its_own_timer() -> None:
    """The renewal margin so long that the phone's own timer falls inside the hold, while
    the lab would keep the association for its eight hours: no 401 forces it."""
    profile = load_profile("polycom-cx600")
    early = dataclasses.replace(profile.tls_dsk, sa_renewal_margin=8 * HOUR - 1800)
    pair = LabPair(lab(), profile=dataclasses.replace(profile, tls_dsk=early), hold=HOUR)
    summary = held(pair.run())
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    assert tls_dsk.refusals["sa_expired"] == 0
    assert summary["rehandshakes"] == 2 and tls_dsk.counts["handshakes"] == 3
    renewals = [t for t in pair.traces if ts.HELD_REHANDSHAKED.matches(t)]
    assert renewals[0].t == pytest.approx(1800, abs=5)
    assert {t.fields["cause"] for t in renewals} == {"association_ending"}
    assert summary["signed_out"] is True


def test_a_refresh_refused_ends_the_hold_as_a_named_failure() -> None:
    pair = LabPair(lab(), hold=HOUR)
    registrar = pair.lab.registrar
    honest = registrar.reply
    registers = {"n": 0}

    def refuse_second_refresh(message: bytes, host: str | None = None) -> bytes:
        answer = honest(message, host)
        if message.startswith(b"REGISTER") and b"response=" in message:
            registers["n"] += 1
            if registers["n"] == 3:  # the sign-in's, the first refresh, then this one
                _, _, rest = answer.partition(b"\r\n")
                return b"SIP/2.0 503 Service Unavailable\r\n" + rest
        return answer

    registrar.reply = refuse_second_refresh  # type: ignore[method-assign]
    outcome = pair.run()
    assert isinstance(outcome, Failure)
    assert outcome.stage == Stage.HELD
    # The 503 kept the 200's signature, which covers the status: caught as forged.
    assert outcome.reason == "held.bad_server_signature"
    assert outcome.evidence["refreshes"] == 1 and outcome.evidence["signed_out"] is False
    assert ts.failed(Stage.HELD).matches(pair.traces[-1])
    assert bootstrap_result(outcome, phone={})["ExitCode"] == 10


def test_a_refresh_the_registrar_refuses_under_its_signature_is_held_refused() -> None:
    pair = LabPair(lab(), hold=HOUR)
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    honest_register = tls_dsk._register
    calls = {"n": 0}

    def refuse_refresh(request, association, now):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            return tls_dsk._refuse(request, "no_epid", association=association)
        return honest_register(request, association, now)

    tls_dsk._register = refuse_refresh  # type: ignore[method-assign]
    outcome = pair.run()
    assert isinstance(outcome, Failure) and outcome.reason == "held.refused"
    assert outcome.evidence["status"] == 403 and outcome.evidence["error_id"] == 4011


def test_a_hold_cut_short_signs_out_at_once() -> None:
    pair = LabPair(lab(), hold=HOUR)
    while not pair.phone.holding:
        assert pair.step()
    pair.now += 100.0
    pair._carry_out(pair.phone.end_hold(pair.now, "Ctrl-C"))
    summary = held(pair.run())
    assert summary["signed_out"] is True
    assert summary["held_for"] == pytest.approx(100, abs=1)
    # The hold asked for and what cut it, beside the hold done: "signed out" alone would
    # read as a hold that ran its course.
    assert summary["hold"] == HOUR and summary["cut_short_by"] == "Ctrl-C"
    assert ts.HELD_SIGNED_OUT.matches(pair.traces[-1])
    assert pair.traces[-1].fields["cut_short_by"] == "Ctrl-C"


def test_a_hold_that_runs_its_course_is_not_cut_and_says_when_the_sign_in_ended() -> None:
    pair = LabPair(lab(), hold=600.0)
    outcome = pair.run()
    summary = held(outcome)
    assert summary["cut_short_by"] is None and summary["hold"] == 600.0
    began = next(t for t in pair.traces if ts.HELD_BEGAN.matches(t)).t
    assert summary["began_at"] == pytest.approx(began, abs=1e-6)
    # The boot lasted the hold; the sign-in did not.
    assert isinstance(outcome, Success) and outcome.t > 600
    result = bootstrap_result(outcome, phone={})
    assert result["LatencySeconds"] == summary["began_at"] < 1
    assert result["Latency"].startswith("00:00:00.") and result["ExitCode"] == 0


def test_a_hold_is_only_for_a_boot_that_runs_to_the_end() -> None:
    with pytest.raises(ValueError, match="held registered only after provisioning"):
        LabPair(final_stage="tlsdsk", hold=60)
    with pytest.raises(ValueError):
        LabPair(hold=0)
