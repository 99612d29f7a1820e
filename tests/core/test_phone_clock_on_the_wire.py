"""The phone's clock reaches the pool in GetAndPublishCert's security timestamp: the clock
the time server set on the phone, never the clock of the machine phonesim runs on.

On the virtual clock the phone powers on a week or more from the host's time, so a
timestamp written from the host's clock could not match."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from lxml import etree

from phonesim.codec.ocauthws import namespaces as ns
from phonesim.codec.ocauthws.wire import format_instant, parse_instant
from phonesim.core.commands import RequestCertificate
from phonesim.core.context import utc
from phonesim.core.outcome import Success
from phonesim.lab.scenario import LabScenario, load_scenario
from phonesim.testing import LabPair


def _created(pair: LabPair) -> str:
    (request,) = [r for r in pair.lab.web.received if r.path_qs.endswith("WebTicket_Proof_SHA1")]
    created = etree.fromstring(request.body).find(
        f"{{{ns.SOAP_ENV}}}Header/{{{ns.WSSE}}}Security/{{{ns.WSU}}}Timestamp/{{{ns.WSU}}}Created"
    )
    assert created is not None
    return str(created.text)


def _asked_at(pair: LabPair) -> float:
    """Seconds from power-on to the certificate request, on the virtual clock."""
    (trace,) = [t for t in pair.traces if (t.stage, t.event) == ("certprov", "request")]
    return trace.t


def test_the_timestamp_says_the_clock_the_time_server_set_within_the_allowed_skew() -> None:
    scenario = replace(LabScenario.healthy(), time_offset=240.0)
    pair = LabPair(scenario)
    assert isinstance(pair.run(), Success)
    (asked,) = [c for c in pair.commands if isinstance(c, RequestCertificate)]
    assert _created(pair) == format_instant(utc(asked.phone_time))
    # The phone's clock, four minutes ahead of the pool's as the time server set it.
    pool_at_the_request = pair.start_instant + timedelta(seconds=_asked_at(pair))
    ahead = parse_instant(_created(pair), "test", "Created") - pool_at_the_request
    assert timedelta(seconds=239) < ahead < timedelta(seconds=241)


def test_a_phone_twenty_minutes_ahead_is_refused_with_both_clocks_in_the_trace() -> None:
    pair = LabPair(load_scenario("phone-clock-ahead-of-pool"))
    outcome = pair.run()
    assert outcome.reason == "certprov.invalid_security"
    pool = parse_instant(outcome.evidence["pool_time"], "test", "pool_time")
    phone = parse_instant(outcome.evidence["phone_time"], "test", "phone_time")
    assert pool == pair.start_instant + timedelta(seconds=int(_asked_at(pair)))
    assert timedelta(seconds=1199) < phone - pool < timedelta(seconds=1201)
