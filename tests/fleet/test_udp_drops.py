"""Datagrams the kernel drops on a full socket are counted, not mistaken for silence."""

from __future__ import annotations

import socket

import pytest

from phonesim.fleet.udp_drop_watch import UdpDropWatch
from phonesim.udp_buffers import own_socket_inodes, receive_drops


def overflow(receiver: socket.socket, count: int = 2000) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for _ in range(count):
            sender.sendto(b"x" * 200, receiver.getsockname())


@pytest.fixture
def small_socket():
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    receiver.bind(("127.0.0.1", 0))
    yield receiver
    receiver.close()


def test_the_kernel_drop_counter_of_a_full_socket_is_read(small_socket) -> None:
    overflow(small_socket)
    port = small_socket.getsockname()[1]
    (mine,) = [s for s in receive_drops() or [] if s.port == port]
    assert mine.address == "127.0.0.1" and mine.drops > 1000
    assert mine.inode in own_socket_inodes()


def test_a_watch_counts_drops_on_a_server_socket_during_the_run_only(small_socket) -> None:
    overflow(small_socket, 500)  # before the run: not the run's
    watch = UdpDropWatch({"time": small_socket.getsockname(), "dhcp": ("192.0.2.5", 67)})
    watch.start()
    overflow(small_socket)
    watch.stop()
    summary = watch.summary()
    assert summary is not None
    assert set(summary["servers"]) == {"time"}  # a remote server's socket cannot be read
    assert summary["servers"]["time"] > 1000
    assert summary["fleet"] == 0  # the server's socket is not counted as the fleet's
