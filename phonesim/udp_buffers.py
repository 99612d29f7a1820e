"""Large receive buffers for the UDP sockets that many phones share.

A fleet powers phones on in bursts: hundreds of DHCP answers or DNS replies
can arrive before the event loop reads one. With the kernel's default buffer
(about 200 KB, a few hundred datagrams) the rest are dropped and the phones
retransmit; the load test would then measure our buffer, not the server.
"""

from __future__ import annotations

import socket

SHARED_SOCKET_BUFFER = 8 * 1024 * 1024
_SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", None)


def enlarge_socket_buffer(sock: socket.socket, size: int = SHARED_SOCKET_BUFFER) -> int:
    if _SO_RCVBUFFORCE is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, size)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
    return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
