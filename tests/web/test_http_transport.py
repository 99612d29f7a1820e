"""The phone resolves names itself and checks TLS against the name, not the address."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from phonesim.codec.ocauthws import CERT_PROV_PATH, ROOT_CHAIN_PATH
from phonesim.drivers.address_book import AddressBook
from phonesim.drivers.http_transport import PhoneHttpTransport
from phonesim.drivers.web_failure import WebServiceFailure


def test_address_book_ignores_case_and_trailing_dot():
    book = AddressBook()
    book.learn("Web01.PhoneSim.Test.", "192.0.2.10")
    assert book.address_of("web01.phonesim.test") == "192.0.2.10"
    assert book.address_of("WEB01.phonesim.test.") == "192.0.2.10"
    assert book.address_of("web02.phonesim.test") is None
    book.learn("web01.phonesim.test", "192.0.2.11")
    assert book.address_of("web01.phonesim.test") == "192.0.2.11"


def test_address_book_maps_only_the_ports_it_was_given():
    book = AddressBook({443: 50443})
    assert (book.real_port(443), book.real_port(80), book.real_port(5061)) == (50443, 80, 5061)


def test_https_uses_the_name_for_host_header_and_certificate(web_lab):
    async def scenario():
        async with web_lab() as w, w.browser() as http:
            response = await http.get(w.url(CERT_PROV_PATH + "/mex"))
            return response.status_code, w.lab.received[-1].headers["Host"], w.fqdn

    status, host, fqdn = asyncio.run(scenario())
    assert status == 200
    assert host == fqdn


def test_explicit_port_is_mapped_and_kept_in_the_host_header(web_lab):
    async def scenario():
        async with web_lab(trust=False) as w:
            w.book = AddressBook({8080: w.lab.http_port})
            w.book.learn(w.fqdn, "127.0.0.1")
            async with httpx.AsyncClient(transport=PhoneHttpTransport(w.book)) as http:
                response = await http.get(f"http://{w.fqdn}:8080{ROOT_CHAIN_PATH}")
            return response.status_code, w.lab.received[-1].headers["Host"], w.fqdn

    status, host, fqdn = asyncio.run(scenario())
    assert (status, host) == (200, f"{fqdn}:8080")


def test_ip_literal_needs_no_address_book_entry(web_lab):
    async def scenario():
        async with web_lab(trust=False) as w:
            async with httpx.AsyncClient(transport=PhoneHttpTransport(w.book)) as http:
                response = await http.get(f"http://127.0.0.1{ROOT_CHAIN_PATH}")
            return response.status_code

    assert asyncio.run(scenario()) == 200


def test_unlearned_host_never_reaches_the_system_resolver():
    async def scenario():
        async with httpx.AsyncClient(transport=PhoneHttpTransport(AddressBook())) as http:
            await http.get("http://localhost/")

    with pytest.raises(WebServiceFailure) as failure:
        asyncio.run(scenario())
    assert failure.value.kind == "unresolved"
    assert failure.value.url == "http://localhost/"
