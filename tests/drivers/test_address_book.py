"""A fleet's phones learn the same few hosts and keep them for their whole hold: the
host names they keep are one string between them, not one per phone."""

from __future__ import annotations

from phonesim.drivers.address_book import AddressBook


def test_phones_that_learn_the_same_host_share_its_name() -> None:
    books = [AddressBook(), AddressBook()]
    for book in books:
        # Each phone's DNS answer carries its own copy of the name.
        book.learn("".join(["Pool01.", "phonesim.test."]), "192.0.2.10")
    first, second = (next(iter(book._addresses)) for book in books)
    assert first == "pool01.phonesim.test"
    assert first is second
    assert books[1].address_of("POOL01.phonesim.test") == "192.0.2.10"
