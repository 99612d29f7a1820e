"""The phrases the phone writes for where its servers came from are the ones the readers
know: every `web_source` and `registrar_source` in the goldens is listed in
`diagnosis/discovery_sources`, so a phrase reworded in the core fails here."""

from __future__ import annotations

import json
from pathlib import Path

from phonesim.diagnosis import discovery_sources as sources

GOLDENS = sorted((Path(__file__).resolve().parents[1] / "golden").rglob("*.trace.jsonl"))


def decided_phrases() -> set[str]:
    found = set()
    for golden in GOLDENS:
        for line in golden.read_text(encoding="utf-8").splitlines():
            trace = json.loads(line)
            if (trace["stage"], trace["event"]) == ("discovery", "decided"):
                fields = trace["fields"]
                found |= {fields["web_source"], fields["registrar_source"]}
    return found


def test_every_source_phrase_in_the_goldens_is_known() -> None:
    phrases = decided_phrases()
    assert len(phrases) >= 4
    unknown = [p for p in phrases if sources.phrase(p) not in sources.ORIGINS]
    assert unknown == []


def test_a_derived_web_source_keeps_its_origin_behind_the_parenthesis() -> None:
    derived = sources.WEB_DERIVED_FROM_DNS + sources.OPTION_43_UNUSABLE
    assert sources.origins(derived) == {sources.DNS}
    assert sources.web_derived(derived) and sources.web_from_dns(derived)
    assert not sources.web_from_option_43(derived)
    assert sources.origins(sources.REGISTRARS_FROM_OPTION_120_THEN_DNS) == {
        sources.DHCP,
        sources.DNS,
    }
    assert sources.origins("a phrase nobody writes") == frozenset()
