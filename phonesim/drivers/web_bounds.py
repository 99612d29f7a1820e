"""The bounds on a web answer, which the server decides: its size as sent and once
inflated, its header count, and the time for the whole of it.

httpx reads a body whole and inflates `Content-Encoding` without a ceiling, and its
timeouts count per read: a 1 MB gzip body took a phone to 2 GB, and a server sending
a byte a second held one for ten minutes. So the phone asks for no compression,
inflates what comes compressed anyway itself (zlib, in bounded steps), counts every
byte, and gives the whole request a deadline. Going over a bound fails the call
`too_large` (or `timeout`) with the bound and its profile field in the detail.
"""

from __future__ import annotations

import asyncio
import contextlib
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
from lxml import etree

from phonesim.core.profile import WebBehaviour
from phonesim.drivers.web_failure import WebServiceFailure

INFLATE_STEP = 64 * 1024
"""Bytes inflated at a time, so a bomb is stopped one step past the bound."""
_WINDOWS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
IDENTITY = "identity"
XML_STEP = 64 * 1024


@dataclass(frozen=True, slots=True)
class WebLimits:
    max_answer_bytes: int = 1024 * 1024
    max_inflated_bytes: int = 4 * 1024 * 1024
    request_deadline: float = 30.0
    max_headers: int = 100
    max_xml_depth: int = 64

    @classmethod
    def of(cls, web: WebBehaviour) -> WebLimits:
        return cls(
            web.max_answer_bytes,
            web.max_inflated_bytes,
            web.request_deadline,
            web.max_headers,
            web.max_xml_depth,
        )


DEFAULT_WEB_LIMITS = WebLimits()


class BoundedTransport(httpx.AsyncBaseTransport):
    """`inner`'s answers, each held to `limits`."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limits: WebLimits) -> None:
        self._inner = inner
        self._limits = limits

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limits = self._limits
        url = str(request.url)
        deadline = _deadline(limits.request_deadline)
        try:
            async with _before(deadline):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise _late(url, limits) from None
        headers = response.headers
        if len(headers.raw) > limits.max_headers:
            await response.aclose()
            raise WebServiceFailure(
                "too_large",
                url,
                f"{len(headers.raw)} header lines, over the limit of {limits.max_headers} "
                "(web.max_headers)",
            )
        encoding = headers.get("content-encoding", IDENTITY).strip().lower() or IDENTITY
        if encoding != IDENTITY and encoding not in _WINDOWS:
            await response.aclose()
            raise WebServiceFailure(
                "malformed", url, f"Content-Encoding {encoding!r}, which the phone does not read"
            )
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limits.max_answer_bytes:
            await response.aclose()
            raise _too_large(url, int(length), limits)
        stream = response.stream
        assert isinstance(stream, httpx.AsyncByteStream)
        if encoding != IDENTITY:
            # Inflated here, within the bound; httpx must not inflate it again.
            for name in ("content-encoding", "content-length"):
                if name in headers:
                    del headers[name]
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_BoundedStream(stream, url, limits, deadline, _WINDOWS.get(encoding)),
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _BoundedStream(httpx.AsyncByteStream):
    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        url: str,
        limits: WebLimits,
        deadline: float | None,
        window: int | None,
    ) -> None:
        self._inner = inner
        self._url = url
        self._limits = limits
        self._deadline = deadline
        self._inflater = None if window is None else zlib.decompressobj(window)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        limits = self._limits
        received = inflated = 0
        chunks = self._inner.__aiter__()
        while True:
            try:
                # Each read inside the deadline, never a yield: the consumer's own
                # awaits must not be cancelled by the phone's deadline.
                async with _before(self._deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise _late(self._url, limits) from None
            received += len(chunk)
            if received > limits.max_answer_bytes:
                raise _too_large(self._url, received, limits)
            if self._inflater is None:
                yield chunk
                continue
            for part in self._inflate(chunk):
                inflated += len(part)
                if inflated > limits.max_inflated_bytes:
                    raise WebServiceFailure(
                        "too_large",
                        self._url,
                        f"the answer inflates past the limit of {limits.max_inflated_bytes} bytes "
                        f"(web.max_inflated_bytes) from {received} bytes received",
                    )
                yield part

    def _inflate(self, chunk: bytes) -> list[bytes]:
        assert self._inflater is not None
        parts = []
        pending = chunk
        inflated = 0
        while pending:
            try:
                part = self._inflater.decompress(pending, INFLATE_STEP)
            except zlib.error as error:
                raise WebServiceFailure(
                    "malformed", self._url, f"the compressed answer is corrupt: {error}"
                ) from None
            parts.append(part)
            inflated += len(part)
            pending = self._inflater.unconsumed_tail
            if inflated > self._limits.max_inflated_bytes or not part:
                break
        return parts

    async def aclose(self) -> None:
        await self._inner.aclose()


def check_xml_depth(body: bytes, url: str, limits: WebLimits) -> None:
    """Refuse an XML answer nested deeper than the bound before any reader walks it
    (mex and SOAP documents nest a dozen levels). A body that is not well-formed XML is
    left to the reader, which names what is wrong with it."""
    if body.lstrip()[:1] != b"<":
        return
    depth = 0
    parser = etree.XMLPullParser(
        events=("start", "end"), resolve_entities=False, no_network=True, load_dtd=False
    )
    try:
        for start in range(0, len(body), XML_STEP):
            parser.feed(body[start : start + XML_STEP])
            for event, _ in parser.read_events():
                depth += 1 if event == "start" else -1
                if depth > limits.max_xml_depth:
                    raise WebServiceFailure(
                        "too_large",
                        url,
                        f"XML nested deeper than {limits.max_xml_depth} elements "
                        "(web.max_xml_depth)",
                    )
    except etree.XMLSyntaxError:
        return


def _deadline(seconds: float) -> float | None:
    """When the request must be over, on the loop's clock; None without a loop (a phone
    on a virtual clock, driven step by step, has no real time to bound)."""
    try:
        return asyncio.get_running_loop().time() + seconds
    except RuntimeError:
        return None


def _before(deadline: float | None) -> contextlib.AbstractAsyncContextManager[object]:
    return contextlib.nullcontext() if deadline is None else asyncio.timeout_at(deadline)


def _too_large(url: str, size: int, limits: WebLimits) -> WebServiceFailure:
    return WebServiceFailure(
        "too_large",
        url,
        f"an answer of {size}+ bytes, over the limit of {limits.max_answer_bytes} "
        "(web.max_answer_bytes)",
    )


def _late(url: str, limits: WebLimits) -> WebServiceFailure:
    return WebServiceFailure(
        "timeout",
        url,
        f"no whole answer within {limits.request_deadline:g} s (web.request_deadline)",
    )
