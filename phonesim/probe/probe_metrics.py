"""The probe's last run as Prometheus metrics, named by Prometheus' conventions.

A label's values must be a small, known set, or every new value is a new time series
forever: so a failure's reason is one of the declared reasons (`core/failure_reasons.py`),
an HTTP status family as `<stage>.http_status`, or `other`; and every one of them is
written, 0 but the last run's, so an alert can match on the reason from the first scrape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import write_to_textfile
from prometheus_client.registry import Collector

from phonesim.core.failure_reasons import REASONS, reason_named
from phonesim.probe.probe_run import ProbeRun

PREFIX = "phonesim_probe"
OTHER = "other"


def _reason_label_of(name: str, http_status: bool, stage: str) -> str:
    return f"{stage}.http_status" if http_status else name


REASON_LABELS: tuple[str, ...] = (
    *sorted({_reason_label_of(r.name, r.http_status, str(r.stage)) for r in REASONS}),
    OTHER,
)
"""Every value the `reason` label takes."""


def reason_label(reason: str | None) -> str:
    declared = reason_named(reason)
    if declared is None:
        return OTHER
    return _reason_label_of(declared.name, declared.http_status, str(declared.stage))


@dataclass
class ProbeCounts:
    """What an exporter counts over its life (a textfile probe runs once: it has none)."""

    runs: int = 0
    skipped: int = 0
    """Scheduled runs not started because the run before was still going."""
    failures: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    """Boots that could not start (phonesim's own error, not the pool's)."""

    def count(self, run: ProbeRun) -> None:
        self.runs += 1
        if not run.success:
            label = reason_label(run.reason)
            self.failures[label] = self.failures.get(label, 0) + 1


class ProbeCollector(Collector):
    """Reads the last run (and the exporter's counts) at each scrape or write."""

    def __init__(
        self,
        probe: str,
        last_run: Callable[[], ProbeRun | None],
        counts: ProbeCounts | None = None,
        stop_after: str = "",
    ) -> None:
        self._probe = probe
        self._last_run = last_run
        self._counts = counts
        self._stop_after = stop_after

    def collect(self) -> Iterator[Metric]:
        run = self._last_run()
        if self._counts is not None:
            yield from self._counted()
        if run is None:
            return
        labels = ["probe"]
        yield _gauge(
            "success",
            "1 if the last boot signed in (or reached its stop stage), else 0",
            labels,
            [([self._probe], 1.0 if run.success else 0.0)],
        )
        yield _gauge(
            "last_run_timestamp_seconds",
            "Unix time the last boot ended",
            labels,
            [([self._probe], run.finished_at)],
        )
        yield _gauge(
            "duration_seconds",
            "Power on to the end of the last boot",
            labels,
            [([self._probe], run.total)],
        )
        yield _gauge(
            "step_duration_seconds",
            "Seconds during which the last boot had a step of this kind under way",
            ["probe", "step"],
            [([self._probe, step], seconds) for step, seconds in run.steps.items()],
        )
        failed = reason_label(run.reason) if not run.success else None
        yield _gauge(
            "last_failure",
            "1 for the reason the last boot failed with (other: one phonesim does not name)",
            ["probe", "reason"],
            [([self._probe, label], 1.0 if label == failed else 0.0) for label in REASON_LABELS],
        )
        yield _gauge(
            "info",
            "The phone the probe boots",
            ["probe", "profile", "model", "stop_after"],
            [([self._probe, run.profile, run.model, self._stop_after], 1.0)],
        )

    def _counted(self) -> Iterator[Metric]:
        assert self._counts is not None
        counts = self._counts
        runs = CounterMetricFamily(f"{PREFIX}_runs", "Boots the exporter ran", labels=["probe"])
        runs.add_metric([self._probe], counts.runs)
        yield runs
        skipped = CounterMetricFamily(
            f"{PREFIX}_skipped_runs",
            "Scheduled boots not started because the one before was still running",
            labels=["probe"],
        )
        skipped.add_metric([self._probe], counts.skipped)
        yield skipped
        errors = CounterMetricFamily(
            f"{PREFIX}_errors",
            "Scheduled boots that could not start (the last run is kept)",
            labels=["probe"],
        )
        errors.add_metric([self._probe], counts.errors)
        yield errors
        failures = CounterMetricFamily(
            f"{PREFIX}_failures", "Failed boots by reason", labels=["probe", "reason"]
        )
        for label in REASON_LABELS:
            failures.add_metric([self._probe, label], counts.failures.get(label, 0))
        yield failures


def _gauge(
    name: str, text: str, labels: list[str], samples: list[tuple[list[str], float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=labels)
    for values, value in samples:
        family.add_metric(values, value)
    return family


def textfile_name(probe: str) -> str:
    return f"{PREFIX}_{probe}.prom"


def write_textfile(directory: Path, probe: str, run: ProbeRun, stop_after: str) -> Path:
    """For node_exporter's textfile collector: written to a temporary file beside it and
    renamed (prometheus_client's `write_to_textfile`), so a scrape never reads half a file."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(ProbeCollector(probe, lambda: run, stop_after=stop_after))
    path = directory / textfile_name(probe)
    write_to_textfile(str(path), registry)
    return path


__all__ = [
    "REASON_LABELS",
    "ProbeCollector",
    "ProbeCounts",
    "reason_label",
    "textfile_name",
    "write_textfile",
]
