"""Every reason a boot can end with is declared in `phonesim.core.failure_reasons`: each has
an exit code and a phone screen, and every reason the core writes, the goldens hold and the
scenarios expect is one of them."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from phonesim.codec.ocauthws.diagnostics import WEB_TICKET_REFUSALS
from phonesim.core import failure_reasons
from phonesim.core.failure_reasons import REASONS, Reason, reason_named
from phonesim.core.outcome import Failure
from phonesim.core.stage import Stage
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.drivers.web_failure import WebServiceFailure
from phonesim.lab.scenario import load_scenario
from phonesim.report.bootstrap_result import EXIT_INTERNAL, EXIT_SUCCESS, bootstrap_result

ROOT = Path(__file__).resolve().parents[2]
GOLDENS = sorted((ROOT / "tests" / "golden").rglob("*.trace.jsonl"))
SCENARIOS = sorted(
    [
        *(ROOT / "phonesim" / "lab" / "scenarios").glob("*.toml"),
        *(ROOT / "examples").rglob("*.toml"),
    ]
)


def written(reason: Reason) -> str:
    """The reason as a boot writes it (a status for the HTTP family)."""
    return f"{reason.stage}.http_404" if reason.http_status else reason.name


@pytest.mark.parametrize("reason", REASONS, ids=str)
def test_every_reason_has_an_exit_code_and_a_phone_screen(reason: Reason) -> None:
    result = bootstrap_result(
        Failure(1.0, reason.stage, written(reason), "it failed"), phone={}, diagnosis=None
    )
    assert result["ExitCode"] not in (EXIT_SUCCESS, EXIT_INTERNAL)
    assert result["PhoneScreen"]
    assert screen_for(reason.stage) == result["PhoneScreen"]


def reasons_in_goldens() -> set[str]:
    """Every reason a golden boot ended with, or that made it drop its discovery cache."""
    found = set()
    for golden in GOLDENS:
        for line in golden.read_text(encoding="utf-8").splitlines():
            trace = json.loads(line)
            fields = trace["fields"]
            if trace["event"] == "failed" and trace["level"] == "error":
                found.add(fields["reason"])
            if trace["event"] == "cache_discarded":
                found.add(fields["cause"])
    return found


def test_every_reason_in_the_goldens_is_declared() -> None:
    found = reasons_in_goldens()
    assert len(found) >= 10
    assert sorted(r for r in found if reason_named(r) is None) == []


def test_every_reason_a_scenario_expects_is_declared() -> None:
    expected = {
        expect.reason
        for path in SCENARIOS
        if (expect := load_scenario(path).expect) is not None and expect.reason
    }
    assert expected
    assert sorted(r for r in expected if reason_named(r) is None) == []


def causes_the_core_writes() -> list[tuple[str, str, int]]:
    """(stage, cause, line) of every failure a stage machine names with literals:
    `Failed(Stage.<NAME>, "<cause>", ...)`, the cause possibly a choice of literals."""
    found = []
    for path in (ROOT / "phonesim" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            if getattr(node.func, "id", None) != "Failed":
                continue
            stage = node.args[0]
            if not (isinstance(stage, ast.Attribute) and getattr(stage.value, "id", "") == "Stage"):
                continue
            causes = [
                c.value
                for c in ast.walk(node.args[1])
                if isinstance(c, ast.Constant) and isinstance(c.value, str)
            ]
            found += [(Stage[stage.attr].value, cause, node.lineno) for cause in causes]
    return found


def test_every_failure_the_core_names_is_declared() -> None:
    named = causes_the_core_writes()
    # If the core stops naming failures this way, hold its new way to REASONS here.
    assert len(named) >= 10
    assert [n for n in named if reason_named(f"{n[0]}.{n[1]}") is None] == []


@pytest.mark.parametrize("stage", failure_reasons.WEB_SERVICE_STAGES)
def test_every_way_a_web_service_fails_is_a_reason_at_each_web_stage(stage: Stage) -> None:
    for kind in WebServiceFailure.KINDS:
        written = f"{stage}.http_500" if kind == "http_status" else f"{stage}.{kind}"
        declared = reason_named(written)
        assert declared is not None and declared.stage is stage, written


def test_every_web_ticket_refusal_is_a_reason() -> None:
    for cause in [*WEB_TICKET_REFUSALS.values(), "pin_rejected"]:
        assert reason_named(f"webticket.{cause}") is not None, cause


def test_the_http_family_names_a_status_and_nothing_else() -> None:
    family = reason_named("certprov.http_404")
    assert family is not None and family.http_status and family.stage is Stage.CERTPROV
    assert str(family) == "certprov.http_<status>"
    for not_a_status in ("certprov.http_", "certprov.http_40x", "certprov.http_status"):
        assert not family.matches(not_a_status)
    assert reason_named("certprov.http_404x") is None
    assert reason_named("webticket.pin") is None
    assert reason_named(None) is None


def test_names_are_unique_and_each_stage_is_the_names_prefix() -> None:
    names = [reason.name for reason in REASONS]
    assert len(names) == len(set(names))
    for reason in REASONS:
        assert reason.name.startswith(f"{reason.stage}.")
        assert reason_named(written(reason)) is reason
