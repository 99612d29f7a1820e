"""Web answers held to the phone's bounds, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import gzip
import tracemalloc
from collections.abc import Awaitable, Callable

import httpx
import pytest
from aiohttp import web

from phonesim.drivers.web_bounds import BoundedTransport, WebLimits
from phonesim.drivers.web_failure import WebServiceFailure

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _get(handler: Handler, limits: WebLimits, **headers: str) -> httpx.Response:
    app = web.Application()
    app.router.add_get("/", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    transport = BoundedTransport(httpx.AsyncHTTPTransport(), limits)
    try:
        async with httpx.AsyncClient(transport=transport, headers=headers) as client:
            return await client.get(f"http://127.0.0.1:{port}/")
    finally:
        await runner.cleanup()


def _answer(body: bytes, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=body, headers=headers)

    return handler


async def _failure(handler: Handler, limits: WebLimits) -> WebServiceFailure:
    with pytest.raises(WebServiceFailure) as caught:
        await _get(handler, limits)
    return caught.value


def test_a_gzip_bomb_stops_at_the_inflated_bound() -> None:
    """D18: 64 MiB of zeros in 65 KB of gzip; the phone holds no more than about its bound."""
    bomb = gzip.compress(bytes(64 << 20), 9)
    tracemalloc.start()
    failure = asyncio.run(
        _failure(
            _answer(bomb, **{"Content-Encoding": "gzip"}), WebLimits(max_inflated_bytes=1 << 20)
        )
    )
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert failure.kind == "too_large"
    assert "limit of 1048576 bytes (web.max_inflated_bytes)" in failure.detail
    assert peak < 48 << 20  # inflating all of it would take 64 MiB and more


def test_a_compressed_answer_within_the_bounds_is_read_whole() -> None:
    body = b"0123456789" * 10_000
    response = asyncio.run(
        _get(_answer(gzip.compress(body), **{"Content-Encoding": "gzip"}), WebLimits())
    )
    assert response.content == body


@pytest.mark.parametrize("chunked", [False, True])
def test_a_huge_answer_stops_at_the_size_bound(chunked: bool) -> None:
    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        if chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = 500 << 20
        await response.prepare(request)
        for _ in range(64):
            await response.write(bytes(64 << 10))
        return response

    failure = asyncio.run(_failure(huge, WebLimits(max_answer_bytes=1 << 20)))
    assert failure.kind == "too_large"
    assert "over the limit of 1048576 (web.max_answer_bytes)" in failure.detail


def test_a_dripping_server_is_cut_off_at_the_request_deadline() -> None:
    """D19: one byte at a time never trips a per-read timeout; the whole request's does."""

    async def drip(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_length = 100_000
        await response.prepare(request)
        for _ in range(100_000):
            await response.write(b"0")
            await asyncio.sleep(0.05)
        return response

    failure = asyncio.run(_failure(drip, WebLimits(request_deadline=1.0)))
    assert failure.kind == "timeout"
    assert "no whole answer within 1 s (web.request_deadline)" in failure.detail


def test_too_many_header_lines_name_the_bound() -> None:
    headers = {f"X-Filler-{i}": "x" for i in range(150)}
    failure = asyncio.run(_failure(_answer(b"", **headers), WebLimits()))
    assert failure.kind == "too_large"
    assert "over the limit of 100 (web.max_headers)" in failure.detail


def test_an_encoding_the_phone_cannot_read_is_a_named_failure() -> None:
    failure = asyncio.run(_failure(_answer(b"xx", **{"Content-Encoding": "br"}), WebLimits()))
    assert failure.kind == "malformed"
    assert "Content-Encoding 'br'" in failure.detail


def test_xml_nested_past_the_bound_is_refused_before_any_reader() -> None:
    from phonesim.drivers.web_bounds import check_xml_depth

    deep = b"<a>" * 65 + b"</a>" * 65
    with pytest.raises(WebServiceFailure, match=r"deeper than 64 elements \(web.max_xml_depth\)"):
        check_xml_depth(deep, "https://web01/mex", WebLimits())
    check_xml_depth(b"<a>" * 64 + b"</a>" * 64, "https://web01/mex", WebLimits())
    check_xml_depth(b"not xml <<", "https://web01/mex", WebLimits())  # left to the reader
