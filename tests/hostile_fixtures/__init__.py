"""The embedded lab with one of its services replaced by a hostile one, and one phone booted
against it as its own `phonesim boot` process.

A regression test of a hostile peer needs the phone exactly as a user runs it (the CLI, its
exit code, its run folder), so the phone is a child process and the lab stays in the test's
own process where the hostile server can reach it. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiohttp import web

from phonesim.codec.dhcp_message import build_ack, decode_dhcp_message
from phonesim.codec.sip_server_option import encode_sip_server_names
from phonesim.lab.embedded_lab import EmbeddedLab

ROOTCHAIN = "/CertProv/CertProvisioningService.svc/rootchain"
CERT_MEX = "/CertProv/CertProvisioningService.svc/mex"
CERT_POST = "/CertProv/CertProvisioningService.svc/WebTicket_Proof_SHA1"
TICKET_MEX = "/WebTicket/WebTicketService.svc/mex"
PIN_POST = "/WebTicket/WebTicketService.svc/Pin"
XML = {"Content-Type": "text/xml; charset=utf-8"}
EXTENSION = "5551234"
PIN = "13579"
BOOT_LIMIT = 120.0
"""No hostile case may keep a test longer than this; the phone's own limits are far shorter."""

LabAnswer = Callable[[], Awaitable[tuple[int, str, bytes]]]
WebHandler = Callable[[web.Request, LabAnswer], Awaitable[web.StreamResponse]]


@dataclass
class Request:
    scheme: str
    method: str
    path: str
    carried_pin: bool


@dataclass
class BootOutcome:
    exit_code: int
    stdout: str
    stderr: str
    run_dir: Path
    state_dir: Path
    requests: list[Request] = field(default_factory=list)

    @property
    def result(self) -> dict[str, Any]:
        """The run folder's result.json (a failing assertion when the boot wrote none)."""
        path = self.run_dir / "result.json"
        assert path.is_file(), f"no result.json; stderr:\n{self.stderr}"
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    @property
    def findings(self) -> list[str]:
        """The ids of the diagnosis's findings, first the one it leads with."""
        return [str(finding["Id"]) for finding in self.result.get("Findings") or []]

    @property
    def reason(self) -> str | None:
        value = self.result.get("Reason")
        return None if value is None else str(value)


async def _boot(
    lab: EmbeddedLab,
    rewire: Callable[[dict[str, Any]], None],
    boot_args: Sequence[str],
    *,
    state: Path | None,
    work: Path,
) -> BootOutcome:
    endpoints = lab.endpoints.to_json()
    rewire(endpoints)
    (work / "lab.json").write_text(json.dumps(endpoints))
    state_dir = state or work / "state"
    cache = ["--state-dir", str(state_dir)] + ([] if state else ["--no-cache"])
    run_dir = work / f"run{len(list(work.glob('run*')))}"
    phone = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "phonesim",
        "boot",
        "--lab-endpoints",
        str(work / "lab.json"),
        "--ext",
        EXTENSION,
        "--run-dir",
        str(run_dir),
        *cache,
        *boot_args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PHONESIM_PIN": PIN, "COLUMNS": "200"},
    )
    try:
        out, err = await asyncio.wait_for(phone.communicate(), BOOT_LIMIT)
    except TimeoutError:
        phone.kill()
        await phone.wait()
        raise
    assert phone.returncode is not None
    return BootOutcome(phone.returncode, out.decode(), err.decode(), run_dir, state_dir)


def _work(work: Path | None) -> Path:
    return work or Path(tempfile.mkdtemp(prefix="phonesim-hostile-"))


# -- Web services: {(scheme, path): handler}; every other request is the lab's own answer. ----


def answer(
    status: int = 200, headers: dict[str, str] | None = None, body: bytes = b""
) -> WebHandler:
    async def handler(request: web.Request, from_lab: LabAnswer) -> web.StreamResponse:
        return web.Response(status=status, headers=headers or {}, body=body)

    return handler


def edited(*replacements: tuple[bytes, bytes]) -> WebHandler:
    """The lab's own answer with each (old, new) replaced once."""

    async def handler(request: web.Request, from_lab: LabAnswer) -> web.StreamResponse:
        status, content_type, body = await from_lab()
        for old, new in replacements:
            body = body.replace(old, new, 1)
        return web.Response(status=status, content_type=content_type, body=body)

    return handler


async def web_case(
    overrides: dict[tuple[str, str], WebHandler],
    *boot_args: str,
    state: Path | None = None,
    work: Path | None = None,
) -> BootOutcome:
    """One boot whose HTTP (port 80) and HTTPS (port 443, lab-CA certificate) go through a
    server answering `overrides` itself; every request it saw is in the outcome."""
    work = _work(work)
    seen: list[Request] = []
    async with (
        EmbeddedLab() as lab,
        httpx.AsyncClient(verify=False, trust_env=False) as client,
    ):
        assert lab.ca is not None
        lab_https = f"https://127.0.0.1:{lab.endpoints.port_map[443]}"

        def app(scheme: str) -> web.Application:
            async def handle(request: web.Request) -> web.StreamResponse:
                body = await request.read()
                seen.append(Request(scheme, request.method, request.path, PIN.encode() in body))

                async def from_lab() -> tuple[int, str, bytes]:
                    skip = ("content-length", "transfer-encoding")
                    headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
                    reply = await client.request(
                        request.method, lab_https + request.path_qs, content=body, headers=headers
                    )
                    content_type = reply.headers.get("content-type", "").split(";")[0]
                    return reply.status_code, content_type, reply.content

                handler = overrides.get((scheme, request.path), edited())
                return await handler(request, from_lab)

            application = web.Application()
            application.router.add_route("*", "/{tail:.*}", handle)
            return application

        ports: dict[str, int] = {}
        runners: list[web.AppRunner] = []
        tls = lab.ca.server_ssl_context([lab.layout.web_fqdn], now=datetime.now(UTC))
        try:
            for scheme, context in (("http", None), ("https", tls)):
                runner = web.AppRunner(app(scheme))
                await runner.setup()
                runners.append(runner)
                await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
                ports[scheme] = runner.addresses[0][1]

            def rewire(endpoints: dict[str, Any]) -> None:
                endpoints["port_map"].update({"80": ports["http"], "443": ports["https"]})

            outcome = await _boot(lab, rewire, boot_args, state=state, work=work)
        finally:
            for runner in runners:
                await runner.cleanup()
    outcome.requests = seen
    return outcome


# -- DHCP: respond(send, inform) for every DHCPINFORM; send(payload) answers the phone. -------


def option_43(
    fqdn: bytes = b"web01.phonesim.test",
    port: bytes = b"443",
    path: bytes = b"/CertProv/CertProvisioningService.svc",
    scheme: bytes = b"https",
) -> bytes:
    parts = [(1, b"MS-UC-Client"), (2, scheme), (3, fqdn), (4, port), (5, path)]
    return b"".join(bytes((code, len(text))) + text for code, text in parts)


def ack(inform: bytes, o43: bytes | None = None) -> bytes:
    """A DHCPACK to `inform` (its xid and chaddr) with option 120 = pool01 and option 43."""
    options = [(120, encode_sip_server_names(["pool01.phonesim.test"])), (43, o43 or option_43())]
    return build_ack(request=decode_dhcp_message(inform), server_id="127.0.0.1", options=options)


Send = Callable[[bytes], None]
DhcpResponder = Callable[[Send, bytes], Awaitable[None]]


class _Dhcp(asyncio.DatagramProtocol):
    def __init__(self, respond: DhcpResponder) -> None:
        self.respond = respond
        self.tasks: set[asyncio.Task[None]] = set()
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's own datagram transport is not a DatagramTransport subclass.
        self.transport = transport

    def datagram_received(self, data: bytes, peer: tuple[str | Any, int]) -> None:
        def send(payload: bytes) -> None:
            self.transport.sendto(payload, peer)

        task = asyncio.ensure_future(self.respond(send, data))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


async def dhcp_case(
    respond: DhcpResponder,
    *boot_args: str,
    state: Path | None = None,
    work: Path | None = None,
) -> BootOutcome:
    """One boot whose DHCPINFORMs go to `respond`; with `state`, the phone keeps its discovery
    cache in that folder (as a phone keeps it in flash)."""
    work = _work(work)
    async with EmbeddedLab() as lab:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Dhcp(respond), local_addr=("127.0.0.1", 0)
        )

        def rewire(endpoints: dict[str, Any]) -> None:
            endpoints["dhcp_port"] = transport.get_extra_info("sockname")[1]

        try:
            return await _boot(lab, rewire, boot_args, state=state, work=work)
        finally:
            transport.close()


async def dhcp_fleet_case(
    respond: DhcpResponder, phones: int, *, work: Path | None = None
) -> tuple[int, dict[str, Any]]:
    """`phonesim fleet` of `phones` phones whose DHCPINFORMs go to `respond`: its exit code
    and summary.json."""
    work = _work(work)
    async with EmbeddedLab() as lab:
        transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: _Dhcp(respond), local_addr=("127.0.0.1", 0)
        )
        endpoints = lab.endpoints.to_json()
        endpoints["dhcp_port"] = transport.get_extra_info("sockname")[1]
        (work / "lab.json").write_text(json.dumps(endpoints))
        try:
            fleet = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "phonesim", "fleet", "--lab-endpoints"),
                *(str(work / "lab.json"), "--phones", str(phones), "--rate", "max"),
                *("--json", "--report", str(work / "report")),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            _, err = await asyncio.wait_for(fleet.communicate(), BOOT_LIMIT)
        finally:
            transport.close()
    assert fleet.returncode is not None, err
    summary: dict[str, Any] = json.loads((work / "report" / "summary.json").read_text())
    return fleet.returncode, summary


async def healthy_case(
    *boot_args: str, state: Path | None = None, work: Path | None = None
) -> BootOutcome:
    """One boot against the lab unchanged."""
    async with EmbeddedLab() as lab:
        return await _boot(lab, lambda _: None, boot_args, state=state, work=_work(work))
