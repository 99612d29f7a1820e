"""A web server in front of the lab's: chosen paths answered by a misbehaving handler,
every other request passed to the lab as it came."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from aiohttp import web

from phonesim.lab.embedded_lab import EmbeddedLab
from tests.hostile.hostile_lab import Rewire, lab_tls

ROOTCHAIN = "/CertProv/CertProvisioningService.svc/rootchain"
CERT_MEX = "/CertProv/CertProvisioningService.svc/mex"
TICKET_MEX = "/WebTicket/WebTicketService.svc/mex"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def web_servers(
    overrides: dict[tuple[str, str], Handler],
) -> Callable[[EmbeddedLab], Awaitable[tuple[Rewire, Callable[[], Awaitable[None]]]]]:
    async def serve(lab: EmbeddedLab) -> tuple[Rewire, Callable[[], Awaitable[None]]]:
        lab_https = f"https://127.0.0.1:{lab.endpoints.port_map[443]}"
        # The test's own client to the lab it started: the lab's certificate is not
        # what is under test here.
        client = httpx.AsyncClient(verify=False, trust_env=False)

        def app(scheme: str) -> web.Application:
            async def handle(request: web.Request) -> web.StreamResponse:
                override = overrides.get((scheme, request.path))
                if override is not None:
                    return await override(request)
                body = await request.read()
                headers = {
                    k: v
                    for k, v in request.headers.items()
                    if k.lower() not in ("content-length", "transfer-encoding")
                }
                answer = await client.request(
                    request.method, lab_https + request.path_qs, content=body, headers=headers
                )
                return web.Response(
                    status=answer.status_code,
                    body=answer.content,
                    content_type=answer.headers.get("content-type", "").split(";")[0] or None,
                )

            application = web.Application()
            application.router.add_route("*", "/{tail:.*}", handle)
            return application

        runners = []
        ports = {}
        for scheme, context in (("http", None), ("https", lab_tls(lab, "web01.phonesim.test"))):
            runner = web.AppRunner(app(scheme), shutdown_timeout=0.5)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
            ports[scheme] = runner.addresses[0][1]
            runners.append(runner)

        def rewire(endpoints: dict) -> None:
            endpoints["port_map"].update({"80": ports["http"], "443": ports["https"]})

        async def stop() -> None:
            for runner in runners:
                await runner.cleanup()
            await client.aclose()

        return rewire, stop

    return serve
