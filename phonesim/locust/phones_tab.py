"""A "Phones" tab in Locust's web UI: the exact per-step table beside Locust's own.

Locust's statistics are bucketed (a 99th percentile may even exceed the max, Locust
#1563); this tab shows nearest-rank percentiles over every sample that reached the
master, recomputed at most every `REFRESH` seconds (sorting a million samples takes a
moment), and the phones' outcomes so far. Only on the master: workers have no UI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request

from phonesim.locust.merged_fleet import MergedFleet

REFRESH = 5.0
KEY = "phonesim-phones"
COLUMNS = (
    ("step", "Step"),
    ("count", "Phones"),
    ("p50", "p50 (ms)"),
    ("p90", "p90 (ms)"),
    ("p99", "p99 (ms)"),
    ("p99.9", "p99.9 (ms)"),
    ("max", "Max (ms)"),
    ("mean", "Mean (ms)"),
)


def add_phones_tab(environment: Any, merged: Callable[[], MergedFleet | None]) -> None:
    web_ui = environment.web_ui
    cache: dict[str, Any] = {"at": 0.0, "rows": []}

    def rows() -> list[dict[str, Any]]:
        fleet = merged()
        if fleet is None:
            return []
        if time.monotonic() - cache["at"] >= REFRESH:
            outcomes = [
                {"step": f"outcome: {name}", "count": count}
                for name, count in fleet.live_outcomes.most_common()
            ]
            cache["rows"], cache["at"] = fleet.step_rows() + outcomes, time.monotonic()
        return list(cache["rows"])

    def with_phones(response: Any) -> Any:
        if request.path == "/stats/requests" and response.is_json:
            extended = [{"key": KEY, "data": rows()}]
            response.set_data(json.dumps({**response.json, "extended_stats": extended}))
        return response

    web_ui.app.after_request(with_phones)
    tab = Blueprint("phonesim", __name__)

    @tab.route("/phones")
    def phones_page() -> Any:
        web_ui.update_template_args()
        return render_template(
            "index.html",
            template_args={
                **web_ui.template_args,
                "extended_tabs": [{"title": "Phones", "key": KEY}],
                "extended_tables": [
                    {"key": KEY, "structure": [{"key": k, "title": t} for k, t in COLUMNS]}
                ],
            },
        )

    web_ui.app.register_blueprint(tab)
