"""A web answer over a bound the profile sets: the server sent more than a phone reads.

A root chain or a mex document is a few KB; an answer of megabytes, one that inflates
past the bound, or hundreds of header lines is a misconfigured or hostile server (or
a proxy answering in its place), not a phone that should read on.
"""

from __future__ import annotations

from phonesim.core.stage import Stage
from phonesim.diagnosis.boot_record import BootRecord
from phonesim.diagnosis.finding import Finding
from phonesim.diagnosis.phone_screen import screen_for
from phonesim.diagnosis.rules.evidence import TEXTS, at

TOO_LARGE = "too_large"
OVER_BOUND = TEXTS["web.answer_over_bound"]


def web_answer_over_bound(record: BootRecord) -> Finding | None:
    failure = record.failure
    failed = record.failure_fields
    if failure is None or failed is None or failed.get("kind") != TOO_LARGE:
        return None
    url = failed.get("url")
    detail = failed.get("detail")
    return OVER_BOUND.finding(
        severity="error",
        evidence={"url": url, "detail": detail, **at(failure)},
        phone_screen=screen_for(Stage(failure.stage)),
        priority=40,
        symptom=True,
        url=url,
        detail=detail,
    )


RULES = (web_answer_over_bound,)
