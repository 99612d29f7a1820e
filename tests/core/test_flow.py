"""Tests over the boot's table (`phonesim.core.flow`), as h11 tests its state tables: every
stage reachable, every stop honoured, every machine and outer table in step with `Stage`,
and the README's drawing made from the table."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from phonesim.codec.ocauthws.endpoints import (
    CERT_PROV_PATH,
    CERT_PROV_PROOF_SUFFIX,
    ROOT_CHAIN_PATH,
    WEB_TICKET_PATH,
    WEB_TICKET_PIN_SUFFIX,
)
from phonesim.core import flow, trace_schema
from phonesim.core.flow_diagram import diagram
from phonesim.core.outcome import Success
from phonesim.core.stage import Stage
from phonesim.core.stages.machines import MACHINE
from phonesim.diagnosis.phone_screen import PHONE_SCREEN
from phonesim.report.bootstrap_result import EXIT_CODES
from phonesim.testing import LabPair

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

# What each stage of the boot asks of the lab's servers.
SENT_BY = {
    ("GET", ROOT_CHAIN_PATH): Stage.ROOTCHAIN,
    ("GET", CERT_PROV_PATH + "/mex"): Stage.WEBTICKET,  # names the ticket service
    ("GET", WEB_TICKET_PATH + "/mex"): Stage.WEBTICKET,
    ("POST", WEB_TICKET_PATH + WEB_TICKET_PIN_SUFFIX): Stage.WEBTICKET,
    ("POST", CERT_PROV_PATH + CERT_PROV_PROOF_SUFFIX): Stage.CERTPROV,
}


def reachable(
    start: flow.Start,
    stop: Stage,
    *,
    holding: bool = False,
    bringup: frozenset[Stage] = frozenset(),
) -> list[Stage]:
    """The stages a boot so started and so stopped (and held, or not, and given these
    bring-up stages) may begin, in order."""
    stage: Stage | None = flow.first_stage(start, stop, bringup)
    seen = []
    while stage is not None and flow.begins(stage, stop, holding=holding):
        assert stage not in seen, f"the table loops at {stage}"
        seen.append(stage)
        if stage in flow.BRINGUP:
            stage = flow.after_bringup(stage, start, stop, bringup)
        else:
            stage = flow.FOLLOWS[stage]
    return seen


ALL_BRINGUP = frozenset(flow.BRINGUP)


def test_the_readme_draws_the_table() -> None:
    section = README[README.index("## Architecture") : README.index("## Layout")]
    assert diagram() in section


def test_every_stage_is_reachable_from_power_on() -> None:
    begun = {
        stage
        for start in flow.Start
        for stop in flow.STOP_AFTER
        for holding in (False, True)
        for bringup in (frozenset(), ALL_BRINGUP)
        for stage in reachable(start, stop, holding=holding, bringup=bringup)
    }
    # A phone is held only after the last stage, and only when asked to be.
    assert begun == {*flow.STOP_AFTER, *flow.BRINGUP, Stage.HELD}
    # The rest are parts of a stage begun, or power-on itself.
    assert set(Stage) - begun == {Stage.BOOT, *(set(flow.PART_OF) - begun)}
    assert set(flow.PART_OF.values()) <= begun


def test_a_boot_not_asked_to_stop_runs_every_stage_once_to_the_last() -> None:
    assert reachable(flow.Start.DISCOVER, flow.LAST) == [
        Stage.DISCOVERY,
        Stage.TIME,
        Stage.ROOTCHAIN,
        Stage.WEBTICKET,
        Stage.CERTPROV,
        Stage.REGISTRAR,
        Stage.TLSDSK,
        Stage.PROVISIONING,
    ]
    assert reachable(flow.Start.FROM_CACHE, flow.LAST)[0] is Stage.TIME
    held = reachable(flow.Start.DISCOVER, flow.LAST, holding=True)
    assert held == [*reachable(flow.Start.DISCOVER, flow.LAST), Stage.HELD]
    # Held only after a boot that runs to the end: not after one stopped earlier.
    assert Stage.HELD not in reachable(flow.Start.DISCOVER, Stage.TLSDSK, holding=True)


def test_every_stage_that_can_begin_has_its_machine() -> None:
    begun = {
        stage
        for stop in flow.STOP_AFTER
        for stage in reachable(flow.Start.DISCOVER, stop, holding=True, bringup=ALL_BRINGUP)
    }
    assert begun | {flow.ENTRY[flow.Start.FROM_CACHE]} == set(MACHINE)
    assert all(MACHINE[stage].stage is stage for stage in MACHINE)
    assert set(MACHINE) >= flow.REDISCOVER_AFTER


@pytest.mark.parametrize("stop", flow.STOP_AFTER)
@pytest.mark.parametrize("cached", [False, True], ids=["fresh", "cached"])
def test_every_stop_stage_ends_the_boot_there_and_begins_nothing_later(
    stop: Stage, cached: bool
) -> None:
    cache = None
    if cached:
        first = LabPair()
        first.run()
        cache = first.stored[-1]
    pair = LabPair(cache=cache, final_stage=stop.value)
    outcome = pair.run()
    assert isinstance(outcome, Success) and outcome.stage == stop
    last = pair.traces[-1]
    endings = {
        flow.LAST: trace_schema.PROVISIONING_SIGNED_IN,
        Stage.TLSDSK: trace_schema.TLSDSK_SIGNED_IN,
        Stage.REGISTRAR: trace_schema.REGISTRAR_CHALLENGE_REACHED,
    }
    ending = endings.get(stop) or trace_schema.stopped_as_asked(stop)
    assert ending.matches(last), f"{last.stage}.{last.event}"
    if stop not in endings:
        assert last.fields["not_begun"] == [str(s) for s in flow.not_begun(stop)]
        assert last.fields["discovery_cache_used"] is cached
    sent: Counter[Stage] = Counter()
    for request in pair.lab.web.received:
        sent[SENT_BY[(request.method, request.path_qs.split("?")[0])]] += 1
    sent[Stage.REGISTRAR] = pair.lab.registrar.counts["challenged"]
    tls_dsk = pair.lab.registrar.tls_dsk
    assert tls_dsk is not None
    subscribes = sum(tls_dsk.subscriptions.counts.values())
    sent[Stage.TLSDSK] = pair.lab.registrar.counts["tls_dsk"] - subscribes
    sent[Stage.PROVISIONING] = subscribes
    sent[Stage.TIME] = pair.lab.time.counts["answered"]
    assert not set(+sent) & set(flow.not_begun(stop)), dict(sent)


def test_dhcp_alone_asks_dns_nothing() -> None:
    pair = LabPair(final_stage=Stage.DHCP.value)
    pair.run()
    assert not any(t.stage == Stage.DNS for t in pair.traces)
    assert sum(pair.lab.dns.counts.values()) == 0


def test_every_stage_a_boot_can_fail_at_has_an_exit_code_and_a_phone_screen() -> None:
    failing = set(trace_schema.FAILED)
    assert failing <= set(EXIT_CODES)
    assert failing <= set(PHONE_SCREEN)
    assert set(EXIT_CODES) <= set(Stage) and set(PHONE_SCREEN) <= set(Stage)
