"""phonesim on Locust: the locustfile (`locust -f` this module, or `phonesim fleet --locust`).

Locust is the control plane and the live view; phonesim's own asyncio engine is
the load. Each worker runs one `FleetSlice` user, which starts the unchanged
`phonesim fleet` as a child process on its slice of the schedule: asyncio never
runs inside Locust's gevent-patched process (gevent #2026, #2213; Locust #1251),
and the engine's CPU per phone and its timing stay what they are alone.

The user relays: each finished phone becomes Locust request events (one per step,
so Locust's UI, `--csv` and `--html` show the steps, bucketed as Locust buckets), and
the raw records go to the master in numbered batches over Locust's own messages,
ending with `phonesim_slice_done`. The master merges them (`merged_fleet`) into
phonesim's exact report and sets the process's exit code. PINs never cross the
channel (it is neither encrypted nor authenticated): each worker's engine reads its
own users file, and the master only checks the file's SHA-256.

The only module of phonesim that imports Locust: importing it monkey-patches the
process, which is what the engine must never be.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, ClassVar

import gevent
import gevent.os
from locust import LoadTestShape, User, constant, events, task
from locust.runners import (
    STATE_MISSING,
    WORKER_REPORT_INTERVAL,
    LocalRunner,
    MasterRunner,
    WorkerRunner,
)

from phonesim.fleet.load_shape import parse_rate
from phonesim.fleet.record_stream import END, PHONE, PROGRESS, READY, START_PREFIX
from phonesim.fleet.stage_clock import INTERRUPTED
from phonesim.fleet.warm_choice import parse_warm
from phonesim.locust.engine_command import FLEET_OPTIONS, MACHINE_OPTIONS, engine_command
from phonesim.locust.merged_fleet import MergedFleet
from phonesim.locust.relay_frames import PHONE_PREFIX, RelayedPhone, relayed_phone

log = logging.getLogger("phonesim.locust")

BATCH_INTERVAL = 0.5
"""Seconds between record batches a relay sends (and its progress reports)."""
READ_PAUSE = 0.02
"""Seconds a relay lets the engine's frames gather in the pipe between reads. Read as
they came, each frame woke the worker (gevent's loop, a read, a parse of one line):
at 500 DHCP-only phones/s that cost the worker about 150 us of CPU per phone, against
15 us for relaying it, and the wakes took a core from the engines just when their
phones were due. The frames wait in the kernel, not in the engine, so an engine that
dies loses none of them."""
PIPE_BYTES = 1 << 20
"""The pipe's size: a storm's frames of one pause fit without the engine buffering them."""
STOP_GRACE = 10.0
"""After a stop, seconds the phones in flight get before a second SIGINT ends them."""
END_WAIT = 30.0
"""Seconds the master waits, on Ctrl-C, for the slices' last records."""
GO_LEAD = 1.0
"""Seconds between the master's go and the schedule's zero: time for the go to reach
every engine. The engines have loaded their libraries by then (each said `ready`), so
the first phone of every slice is on time however long one took to start."""

PLAN, GO, STOP, RECORDS, SLICE_READY, SLICE_PROGRESS, SLICE_DONE = (
    "phonesim_plan",
    "phonesim_go",
    "phonesim_stop",
    "phonesim_records",
    "phonesim_ready",
    "phonesim_progress",
    "phonesim_slice_done",
)


_PHONE_PREFIX = PHONE_PREFIX.encode()


class PhoneFailed(Exception):
    """A phone's step failed: Locust's Failures tab lists it by its stable name."""


# -- options ------------------------------------------------------------------------


def _options(parser: Any) -> None:
    group = parser.add_argument_group("phonesim fleet (see `phonesim fleet --help`)")
    for key, flag in (*FLEET_OPTIONS, *MACHINE_OPTIONS):
        group.add_argument(f"--phonesim-{flag[2:]}", dest=f"phonesim_{key}", default=None)
    group.add_argument("--phonesim-report", dest="phonesim_report", default=None)
    parser.add_argument(  # Locust's own parser: its groups take no `include_in_web_ui`
        "--phonesim-samples-shards",
        dest="phonesim_samples_shards",
        default=None,
        help="a folder where each relay also keeps its slice's raw record stream",
        include_in_web_ui=False,
    )


def _fleet_options(options: Any) -> dict[str, Any]:
    return {key: getattr(options, f"phonesim_{key}", None) for key, _ in FLEET_OPTIONS}


_machine: dict[str, Any] = {}
"""This machine's own options, read before the master's overwrite them at spawn."""


# -- the worker's side: one slice, relayed ---------------------------------------------


class _Worker:
    plan: dict[str, Any] | None = None
    engine: subprocess.Popen[bytes] | None = None
    ran = False


def _on_plan(environment: Any, msg: Any, **_: Any) -> None:
    _Worker.plan = msg.data


def _on_go(environment: Any, msg: Any, **_: Any) -> None:
    """The schedule's zero, to the engine waiting for it on its standard input."""
    engine = _Worker.engine
    if engine is not None and engine.stdin is not None and engine.poll() is None:
        with contextlib.suppress(OSError):
            engine.stdin.write(b"%r\n" % msg.data["start_at"])
            engine.stdin.flush()


def _on_stop(environment: Any, msg: Any, **_: Any) -> None:
    engine = _Worker.engine
    if engine is not None and engine.stdin is not None:
        with contextlib.suppress(OSError):
            engine.stdin.close()  # an engine still waiting for its start gives up
    if engine is not None and engine.poll() is None:
        engine.send_signal(signal.SIGINT)
        gevent.spawn_later(STOP_GRACE, _interrupt_again, engine)


def _interrupt_again(engine: subprocess.Popen[bytes]) -> None:
    if engine.poll() is None:
        engine.send_signal(signal.SIGINT)


class FleetSlice(User):
    """One engine slice per worker: a Locust user here is a slice of the fleet, its
    phones are the request rows."""

    wait_time = constant(3600)

    @task
    def run_slice(self) -> None:
        deadline = time.monotonic() + 30
        while _Worker.plan is None and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if _Worker.plan is None or _Worker.ran:
            # Locust re-dispatches a lost worker's users: a slice is never run twice.
            gevent.sleep(3600)
            return
        _Worker.ran = True
        _Relay(self.environment, _Worker.plan).run()
        gevent.sleep(3600)


class _Relay:
    def __init__(self, environment: Any, plan: dict[str, Any]) -> None:
        self.environment = environment
        self.runner = environment.runner
        self.plan = plan
        self.slice = plan["slice"]
        self.batch: list[bytes] = []
        """Phone frames as the engine wrote them: the master reads the same bytes."""
        self.seq = 0
        self.progress: dict[str, Any] = {"cpu_seconds": 0.0}
        self.in_flight: set[int] = set()
        """Phones the engine powered on that have not ended: lost if it dies."""
        self.started = 0
        self.end: dict[str, Any] | None = None
        self.finished = 0
        self.shard: Any = None

    def run(self) -> None:
        lost = self._users_problem()
        folder = Path(tempfile.mkdtemp(prefix="phonesim-slice-"))
        engine: subprocess.Popen[bytes] | None = None
        flusher = None
        try:
            if lost is None:
                read, write = os.pipe()
                os.set_blocking(read, False)  # gevent waits for it; a blocking read stops the hub
                with contextlib.suppress(OSError):  # above the system's pipe-max-size: as is
                    fcntl.fcntl(read, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
                command = engine_command(
                    _fleet_options(self.environment.parsed_options),
                    _machine,
                    slice_index=self.slice,
                    slices=self.plan["slices"],
                    record_fd=write,
                    report=folder / "report",
                )
                with (folder / "engine.log").open("wb") as errors:
                    engine = _Worker.engine = subprocess.Popen(
                        command,
                        pass_fds=(write,),
                        stdin=subprocess.PIPE,
                        stdout=subprocess.DEVNULL,
                        stderr=errors,
                    )
                os.close(write)
                self._open_shard()
                flusher = gevent.spawn(self._flush_every)
                self._read(read)
                code = engine.wait()
                if self.end is None:
                    lost = f"the engine ended ({_exit_text(code)}) before its end: " + _last_line(
                        folder / "engine.log"
                    )
        except Exception as error:  # the slice's loss is told to the master, not dropped
            lost = f"the relay failed: {error}"
            raise
        finally:
            if flusher is not None:
                flusher.kill()
            if engine is not None and engine.poll() is None:
                engine.kill()
            if self.shard is not None:
                self.shard.close()
            if isinstance(self.runner, WorkerRunner):
                # Locust's own statistics go to the master every WORKER_REPORT_INTERVAL:
                # waiting one round puts every request event of this slice there before
                # the master ends the run (Locust #1426 lost final reports).
                gevent.sleep(WORKER_REPORT_INTERVAL + 0.5)
            self._send_batch()
            self.runner.send_message(
                SLICE_DONE,
                {
                    **self._progress_message(),
                    "batches": self.seq,
                    "finished": self.finished,
                    "stopped": (self.end or {}).get("stopped"),
                    "warm": (self.end or {}).get("warm"),
                    "lost": lost,
                    "lost_phones": sorted(self.in_flight) if lost else [],
                },
            )
            shutil.rmtree(folder, ignore_errors=True)

    def _users_problem(self) -> str | None:
        """The master's users file and this machine's must be the same (by digest)."""
        expected = self.plan.get("users_sha256")
        path = _machine.get("users")
        if expected is None and path is None:
            return None
        if expected is None or path is None:
            return "--users must be given to the master and every worker alike"
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError as error:
            return f"--users {path}: cannot read ({error.strerror})"
        if digest != expected:
            return f"--users {path}: not the master's file (SHA-256 differs)"
        return None

    def _open_shard(self) -> None:
        shards = getattr(self.environment.parsed_options, "phonesim_samples_shards", None)
        if shards:
            Path(shards).mkdir(parents=True, exist_ok=True)
            self.shard = (Path(shards) / f"slice-{self.slice}.jsonl").open("wb")

    def _read(self, fd: int) -> None:
        pending = b""
        while True:
            chunk = gevent.os.nb_read(fd, PIPE_BYTES)
            if not chunk:
                break
            if self.shard is not None:
                self.shard.write(chunk)
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            for line in lines:
                self.line(line)
            gevent.sleep(READ_PAUSE)
        os.close(fd)

    def line(self, line: bytes) -> None:
        """One frame from the engine. A start frame (one per phone) is read without a JSON
        parse, a phone frame with only its steps decoded: the relay's CPU is charged
        against the engine's."""
        if line.startswith(START_PREFIX):
            self.started += 1
            self.in_flight.add(int(line[len(START_PREFIX) : -1]))
        elif line.startswith(_PHONE_PREFIX):
            self._phone(relayed_phone(line), line)
        else:
            self._frame(json.loads(line), line)

    def _phone(self, phone: RelayedPhone, line: bytes) -> None:
        self.finished += 1
        self.in_flight.discard(phone.index)
        self.batch.append(line)
        fire = self.environment.events.request.fire
        for stage, seconds in phone.samples:
            fire(
                request_type="phone",
                name=stage,
                response_time=seconds * 1000,
                response_length=0,
                exception=None,
                context={},
            )
        for stage, seconds, kind, reason, _message, _ended_boot in phone.failures:
            if kind == INTERRUPTED:
                continue
            fire(
                request_type="phone",
                name=stage,
                response_time=seconds * 1000,
                response_length=0,
                exception=PhoneFailed(reason),
                context={},
            )

    def _frame(self, frame: dict[str, Any], line: bytes) -> None:
        kind = frame["t"]
        if kind == PHONE:
            self._phone(RelayedPhone(frame["index"], frame["samples"], frame["failures"]), line)
        elif kind == PROGRESS:
            self.progress = frame
        elif kind == READY:
            self.runner.send_message(SLICE_READY, self._progress_message())
        elif kind == END:
            self.end = frame

    def _progress_message(self) -> dict[str, Any]:
        engine = _Worker.engine
        return {
            "slice": self.slice,
            "started": self.started,
            "cpu_seconds": self.progress["cpu_seconds"],
            "engine_pid": None if engine is None else engine.pid,
            "client_id": getattr(self.runner, "client_id", None),
        }

    def _send_batch(self) -> None:
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        self.runner.send_message(
            RECORDS, {"slice": self.slice, "seq": self.seq, "lines": b"\n".join(batch)}
        )
        self.seq += 1

    def _flush_every(self) -> None:
        while True:
            gevent.sleep(BATCH_INTERVAL)
            self._send_batch()
            self.runner.send_message(SLICE_PROGRESS, self._progress_message())


def _exit_text(code: int) -> str:
    return f"killed by signal {-code}" if code < 0 else f"exit {code}"


def _last_line(path: Path) -> str:
    with contextlib.suppress(OSError):
        lines = path.read_text("utf-8", "replace").strip().splitlines()
        if lines:
            return lines[-1][:300]
    return "no message"


# -- the master's side: the plan, the merge, the end ------------------------------------


class _Master:
    merged: MergedFleet | None = None
    users: int | None = None
    summary: dict[str, Any] | None = None
    clients: ClassVar[dict[int, str | None]] = {}


def _on_records(environment: Any, msg: Any, **_: Any) -> None:
    merged = _Master.merged
    if merged is not None:
        merged.records(msg.data)
        if merged.failures_reached():
            _stop_slices(environment.runner)


def _stop_slices(runner: Any) -> None:
    """Every engine stops powering phones on; those in flight finish (see `_on_stop`)."""
    for client in _Master.clients.values():
        runner.send_message(STOP, None, client_id=client)


def _on_progress(environment: Any, msg: Any, **_: Any) -> None:
    if _Master.merged is not None:
        _Master.merged.progress(msg.data)


def _on_slice_done(environment: Any, msg: Any, **_: Any) -> None:
    if _Master.merged is not None:
        _Master.merged.slice_done(msg.data)
        _go_when_ready(environment.runner)


def _on_ready(environment: Any, msg: Any, **_: Any) -> None:
    if _Master.merged is not None:
        _Master.merged.slice_ready(msg.data)
        _go_when_ready(environment.runner)


def _go_when_ready(runner: Any) -> None:
    """Once every slice has loaded (or ended), all start together."""
    merged = _Master.merged
    if merged is None or merged.start_at is not None or not merged.all_ready:
        return
    merged.start_at = time.time() + GO_LEAD
    for k, client in _Master.clients.items():
        if not merged.slices[k].done:
            runner.send_message(GO, {"start_at": merged.start_at}, client_id=client)


def _on_init(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner | LocalRunner):
        _machine.update(
            {
                key: getattr(environment.parsed_options, f"phonesim_{key}", None)
                for key, _ in MACHINE_OPTIONS
            }
        )
        runner.register_message(PLAN, _on_plan)
        runner.register_message(GO, _on_go)
        runner.register_message(STOP, _on_stop)
    if isinstance(runner, MasterRunner | LocalRunner):
        runner.register_message(RECORDS, _on_records)
        runner.register_message(SLICE_PROGRESS, _on_progress)
        runner.register_message(SLICE_DONE, _on_slice_done)
        runner.register_message(SLICE_READY, _on_ready)
        # After the runner's own: Locust fires `quitting` last-registered first, and the
        # master's own listener tells the workers to quit; the slices must stop and send
        # their last records before that.
        environment.events.quitting.add_listener(_on_quitting)
        # Locust's own Ctrl-C quits the workers at once (headless with a shape, it does
        # so before any event fires): the phones in flight would go unreported.
        gevent.signal_handler(signal.SIGINT, _on_ctrl_c, environment)
        if environment.web_ui is not None:
            from phonesim.locust.phones_tab import add_phones_tab

            add_phones_tab(environment, lambda: _Master.merged)


def _on_test_start(environment: Any, **_: Any) -> None:
    runner = environment.runner
    if _Master.merged is not None or not isinstance(runner, MasterRunner | LocalRunner):
        return
    options = environment.parsed_options
    if isinstance(runner, MasterRunner):
        clients: list[str | None] = [c.id for c in sorted(runner.clients.all, key=_node_id)]
    else:
        clients = [None]
    fleet = _fleet_options(options)
    users = getattr(options, "phonesim_users", None)
    _Master.merged = MergedFleet(
        len(clients),
        final_stage=fleet["stage"] or "tlsdsk",
        config={**fleet, "users": users, "slices": len(clients), "engine": "locust"},
        rate=parse_rate(fleet["rate"] or "50/s"),
        max_failures=int(fleet["max_failures"]) if fleet["max_failures"] else None,
        warm=parse_warm(fleet["warm"]) if fleet["warm"] else None,
    )
    digest = hashlib.sha256(Path(users).read_bytes()).hexdigest() if users else None
    for k, client in enumerate(clients):
        _Master.clients[k] = client
        plan = {"slice": k, "slices": len(clients), "users_sha256": digest}
        runner.send_message(PLAN, plan, client_id=client)
    if isinstance(runner, MasterRunner):
        gevent.spawn(_watch_workers, runner)


def _node_id(node: Any) -> str:
    return str(node.id)


def _watch_workers(runner: MasterRunner) -> None:
    """A worker that stops sending heartbeats, or leaves, loses its slice's phones."""
    merged = _Master.merged
    assert merged is not None
    while not merged.all_done:
        gevent.sleep(0.5)
        for k, client in _Master.clients.items():
            node = runner.clients.get(client) if client is not None else None
            if node is None or node.state == STATE_MISSING:
                merged.slice_lost(k, f"worker {client} went missing")
                _go_when_ready(runner)
    _finish(runner.environment)


def _finish(environment: Any) -> None:
    """Write phonesim's report once, and say how the run ended in the exit code."""
    merged = _Master.merged
    if merged is None or _Master.summary is not None:
        return
    options = environment.parsed_options
    folder = Path(
        getattr(options, "phonesim_report", None)
        or Path("phonesim-fleets") / time.strftime("%Y%m%dT%H%M%S")
    )
    summary = _Master.summary = merged.write(folder)
    environment.process_exit_code = merged.exit_code(summary)
    log.info(
        "phonesim: %d phones finished of %d started, %d failed; report in %s",
        summary["phones_finished"],
        summary["phones_started"],
        summary["failed"],
        folder,
    )


def _on_ctrl_c(environment: Any) -> None:
    """The first Ctrl-C stops every slice's arrivals and lets its phones finish; the run
    then ends as it would (the report, exit 130). A second ends it now."""
    merged = _Master.merged
    runner = environment.runner
    if merged is None:  # nothing started: nothing to report
        environment.process_exit_code = 130
        gevent.spawn(runner.quit)
        return
    if merged.interrupted:
        log.info("phonesim: Ctrl-C again: the report now, with what has arrived")
        for k in merged.slices:
            merged.slice_lost(k, "a second Ctrl-C ended the run first")
        _finish(environment)
        return
    log.info("phonesim: Ctrl-C: no more phones power on; those in flight finish")
    merged.interrupted = True
    _stop_slices(runner)
    gevent.spawn_later(END_WAIT, _give_up_waiting, environment)


def _give_up_waiting(environment: Any) -> None:
    merged = _Master.merged
    if merged is not None and not merged.all_done:
        for k in merged.slices:
            merged.slice_lost(k, f"no end within {END_WAIT:g} s of Ctrl-C")
        _finish(environment)


def _on_quitting(environment: Any, **_: Any) -> None:
    """Ctrl-C on the master (or the UI's stop): the slices stop powering phones on,
    their last records come in (a bounded wait), and the report is written."""
    merged = _Master.merged
    runner = environment.runner
    if merged is None or _Master.summary is not None:
        return
    if not merged.all_done:
        merged.interrupted = True
        _stop_slices(runner)
        deadline = time.monotonic() + END_WAIT
        while not merged.all_done and time.monotonic() < deadline:
            gevent.sleep(0.1)
        for k in merged.slices:
            merged.slice_lost(k, "no end before the master quit")
    _finish(environment)


class PhonesimShape(LoadTestShape):
    """Exactly one `FleetSlice` per worker, until every slice has ended. Locust's own
    spawn model (users per second, batched about once a second) is not what powers
    phones on: each engine keeps the fleet's schedule to the millisecond."""

    use_common_options = False

    def tick(self) -> tuple[int, float] | None:
        runner = self.runner
        merged = _Master.merged
        if merged is not None and merged.all_done:
            if isinstance(runner, LocalRunner):
                _finish(runner.environment)
            return None
        if _Master.users is None:
            _Master.users = len(runner.clients.all) if isinstance(runner, MasterRunner) else 1
        return _Master.users, float(_Master.users)


_hooks: Any = events  # Locust's event hooks carry no types
_hooks.init_command_line_parser.add_listener(_options)
_hooks.init.add_listener(_on_init)
_hooks.test_start.add_listener(_on_test_start)
