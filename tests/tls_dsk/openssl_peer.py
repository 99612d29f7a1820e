"""`openssl s_server` / `s_client` as the other end of a TLS-DSK handshake, on loopback.

Each runs as a child process whose output is read line by line in a thread, so a
test waits on what openssl prints with a deadline and never sleeps; the process
is ended (terminate, then kill) when the test is done with it.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence

from phonesim.codec.tls_dsk.handshake import TlsDskEngine

DEADLINE = 15.0
_KEYING_MATERIAL = re.compile(r"Keying material:\s*([0-9A-Fa-f]+)")


class OpensslPeer:
    def __init__(self, args: Sequence[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            [shutil.which("openssl") or "openssl", *args],
            stdin=subprocess.PIPE,  # s_server and s_client stop at EOF on stdin: keep it open
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self.lines.append("")  # EOF marker wakes waiters
            self._changed.notify_all()

    def wait_for(self, found: Callable[[str], bool], timeout: float = DEADLINE) -> str:
        end = time.monotonic() + timeout
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    if found(line):
                        return line
                seen = len(self.lines)
                if self.process.poll() is not None and self.lines and self.lines[-1] == "":
                    break
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)
        raise AssertionError("openssl did not print what was awaited:\n" + "\n".join(self.lines))

    def keying_material(self) -> bytes:
        line = self.wait_for(lambda text: _KEYING_MATERIAL.search(text) is not None)
        match = _KEYING_MATERIAL.search(line)
        assert match is not None
        return bytes.fromhex(match.group(1))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process.stdin is not None:
            self.process.stdin.close()
        self._reader.join(5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pump(engine: TlsDskEngine, connection: socket.socket, first: bytes = b"") -> None:
    """Move records between the engine and the socket until the handshake completes."""
    if first:
        connection.sendall(first)
    while not engine.complete:
        data = connection.recv(65536)
        if not data:
            raise AssertionError("openssl closed the connection during the handshake")
        out = engine.step(data)
        if out:
            connection.sendall(out)
