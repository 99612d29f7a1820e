"""Misbehaving web servers: each ends the boot in a named failure within bounds, with
its run folder written, and the same phone's next boot against a healthy lab succeeds."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest
from aiohttp import web

from tests.hostile.hostile_lab import (
    assert_accounted,
    assert_bounded,
    profile_with,
    run_case,
    run_fleet,
)
from tests.hostile.web_servers import CERT_MEX, ROOTCHAIN, TICKET_MEX, Handler, web_servers

PKCS7 = {"Content-Type": "application/pkcs7-mime"}


def _answer(status: int, body: bytes = b"", **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=body, headers=headers)

    return handler


def _stream(total: int, step: bytes, pause: float, *, chunked: bool = False) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers=PKCS7)
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = total
        await response.prepare(request)
        for _ in range(total // len(step)):
            await response.write(step)
            await asyncio.sleep(pause)
        return response

    return handler


async def _hang(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


async def _close_mid_body(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers=PKCS7)
    response.content_length = 10_000
    await response.prepare(request)
    await response.write(b"0" * 100)
    assert request.transport is not None
    request.transport.close()
    return response


async def _redirect_to_itself(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(location=str(request.url))


def _case(tmp_path: Path, overrides: dict[tuple[str, str], Handler], **profile: dict[str, object]):
    args = ("--profile", str(profile_with(tmp_path, **profile))) if profile else ()
    return asyncio.run(run_case(tmp_path, web_servers(overrides), *args))


def test_a_gzip_bomb_root_chain_is_too_large(tmp_path: Path) -> None:
    """D18: 256 MiB of zeros in 261 KB of gzip once took the phone past 600 MB."""
    bomb = gzip.compress(bytes(256 << 20), 9)
    case = _case(
        tmp_path,
        {("http", ROOTCHAIN): _answer(200, bomb, **PKCS7, **{"Content-Encoding": "gzip"})},
    )
    assert_bounded(case, "rootchain.too_large", seconds=60, peak_mb=250)
    assert "web.max_inflated_bytes" in case.hostile.output


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_mex_is_too_large(tmp_path: Path, chunked: bool) -> None:
    """D18: a 64 MiB mex document over HTTPS, read no further than the 1 MiB bound."""
    case = _case(
        tmp_path, {("https", CERT_MEX): _stream(64 << 20, bytes(1 << 20), 0, chunked=chunked)}
    )
    assert_bounded(case, "certprov.too_large", seconds=60, peak_mb=250)
    assert "web.max_answer_bytes" in case.hostile.output


def test_a_dripping_root_chain_meets_the_request_deadline(tmp_path: Path) -> None:
    """D19: a byte a second kept a phone 600 s and left no result."""
    case = _case(
        tmp_path,
        {("http", ROOTCHAIN): _stream(100_000, b"0", 0.2)},
        web={"request_deadline": 3.0},
    )
    assert_bounded(case, "rootchain.timeout", seconds=40)
    assert "web.request_deadline" in case.hostile.output


def test_a_hanging_web_ticket_mex_times_out(tmp_path: Path) -> None:
    case = _case(tmp_path, {("https", TICKET_MEX): _hang}, web={"timeout": 2.0})
    assert_bounded(case, "webticket.timeout", seconds=40)


def test_a_root_chain_closed_mid_body_is_a_connect_failure(tmp_path: Path) -> None:
    case = _case(tmp_path, {("http", ROOTCHAIN): _close_mid_body})
    assert_bounded(case, "rootchain.connect", seconds=40)


def test_a_redirect_loop_is_not_followed(tmp_path: Path) -> None:
    case = _case(tmp_path, {("http", ROOTCHAIN): _redirect_to_itself})
    assert_bounded(case, "rootchain.http_302", seconds=40)


def test_a_header_flood_is_too_large(tmp_path: Path) -> None:
    headers = {f"X-Filler-{i}": "x" * 50 for i in range(500)}
    case = _case(tmp_path, {("https", CERT_MEX): _answer(200, b"<x/>", **headers)})
    assert_bounded(case, "certprov.too_large", seconds=40)
    assert "web.max_headers" in case.hostile.output


def test_garbage_for_a_root_chain_is_malformed(tmp_path: Path) -> None:
    case = _case(tmp_path, {("http", ROOTCHAIN): _answer(200, bytes(range(256)) * 40, **PKCS7)})
    assert_bounded(case, "rootchain.malformed", seconds=40)


def test_a_mex_nested_past_the_depth_bound_is_too_large(tmp_path: Path) -> None:
    """Within libxml2's own limit (256), so only the profile's bound stops it."""
    deep = b"<a>" * 200 + b"</a>" * 200
    xml = {"Content-Type": "text/xml; charset=utf-8"}
    case = _case(tmp_path, {("https", CERT_MEX): _answer(200, deep, **xml)})
    assert_bounded(case, "certprov.too_large", seconds=40)
    assert "web.max_xml_depth" in case.hostile.output


def test_a_fleet_against_a_gzip_bomb_accounts_for_every_phone(tmp_path: Path) -> None:
    """All of a fleet's phones share one process: unbounded, ten bombs would be 10 GB."""
    bomb = gzip.compress(bytes(64 << 20), 9)
    server = web_servers(
        {("http", ROOTCHAIN): _answer(200, bomb, **PKCS7, **{"Content-Encoding": "gzip"})}
    )
    fleet = asyncio.run(run_fleet(tmp_path, server, 10))
    assert fleet.code == 3, fleet.output[-2000:]
    assert_accounted(fleet, 10)
    assert fleet.summary["outcomes"] == {"rootchain.too_large": 10}
    assert fleet.seconds < 120 and fleet.peak_mb < 600
