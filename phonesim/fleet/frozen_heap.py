"""Keep the garbage collector's full passes off the fleet's clock.

A fleet process holds several hundred thousand long-lived objects before its
first phone powers on (scapy, dnspython, zeep, lxml, rich, the profiles). The
collector's full pass walks every one of them, and the first one comes due
within the first hundred phones: the event loop then stopped for 25-66 ms on
this project's machine, just as the first answers arrived, and those phones'
DHCP latencies made up the storm's p90 and p99. Freezing the heap once the
libraries are loaded (`gc.freeze`, made for this) leaves those objects out of
every pass during the run; the collector still runs, over what the run itself
made.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Collect what is garbage now, then leave everything alive out of the collector's
    passes until the block ends (the objects are then collectable again)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
