"""pidgin-sipe driven headlessly: bitlbee in inetd mode, spoken to in IRC.

What works (bitlbee 3.6, pidgin-sipe 1.25.0, Debian 12):

- `bitlbee -I -c <conf> -d <dir>`: inetd mode serves one IRC client on the socket it
  is given as stdin, and writes its answers to that same descriptor; a pipe takes no
  answer, so bitlbee gets one end of a socket pair. The conf says `RunMode = Inetd`,
  `AuthMode = Open` and its own `ConfigDir`, so nothing of the machine's is read.
- IRC: `NICK`/`USER`, then to `&bitlbee`: `account add sipe <user@domain> <password>`,
  `account sipe set authentication tls-dsk`, `… transport tls`, `… server <host:port>`
  (no Lync autodiscover), `… email_url <lab URL>` (no Exchange autodiscover),
  `account sipe on`. Success is `sipe - Logging in: Logged in`; a refusal
  `sipe - Login error: <reason>`. (`set` takes one word: a user agent with spaces is cut.)
- Debug: `BITLBEE_DEBUG=1` has bitlbee write libpurple's debug output to stderr,
  `DEBUG <category>: <text>` (SIPE's lines are `DEBUG sipe: …`, with every SIP and HTTP
  message in full); `PURPLE_UNSAFE_DEBUG=1` makes SIPE print what it otherwise keeps
  back, the TLS-DSK keys (`tls_finished: TLS-DSK client key ( 32) = …`).
- Trust: libpurple reads CAs from /etc/ssl/certs, not from its user directory; a test
  puts the lab's CA there in the namespace's own /etc. An untrusted certificate would
  make libpurple ask a user who is not there.
- XML: SIPE cannot read any XML with Debian 12's libxml2 unless `sipe_sax1.c` is
  preloaded (that file says why).
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

NICK = "tester"
ACCOUNT_ON = re.compile(r"sipe - Logging in: Logged in")
LOGIN_FAILED = re.compile(r"sipe - (Login error|Logging in: .*(error|fail|refused))", re.I)


@dataclass(frozen=True)
class SipeAccount:
    sign_in_name: str
    password: str
    server: str
    """host:port of the registrar (set, so that SIPE does no Lync autodiscover)."""
    email_url: str
    """An EWS URL in the lab, so that SIPE does no Exchange autodiscover on the internet."""

    def commands(self) -> list[str]:
        return [
            f"account add sipe {self.sign_in_name} {self.password}",
            "account sipe set authentication tls-dsk",
            "account sipe set transport tls",
            f"account sipe set server {self.server}",
            f"account sipe set email_url {self.email_url}",
            "account sipe on",
        ]


@dataclass
class SipeRun:
    """What bitlbee said on IRC and what libpurple/SIPE logged."""

    irc: list[str] = field(default_factory=list)
    debug: list[str] = field(default_factory=list)
    signed_in: bool = False

    def sipe_lines(self) -> list[str]:
        return [line for line in self.debug if line.startswith("DEBUG sipe: ")]

    def has(self, text: str) -> bool:
        return any(text in line for line in self.debug)


SAX1_SHIM = Path(__file__).with_name("sipe_sax1.c")


def build_sax1_shim(folder: Path) -> Path:
    """The library `sipe_sax1.c` builds, which SIPE needs on Debian 12 to read XML at all."""
    library = folder / "sipe_sax1.so"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-I/usr/include/libxml2", str(SAX1_SHIM), "-o", str(library)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return library


def prepare_home(folder: Path) -> Path:
    """bitlbee's configuration file and its (empty) user directory."""
    config_dir = folder / "bitlbee"
    config_dir.mkdir()
    conf = folder / "bitlbee.conf"
    conf.write_text(f"[settings]\nRunMode = Inetd\nAuthMode = Open\nConfigDir = {config_dir}\n")
    return conf


async def run_sipe(
    prefix: Sequence[str],
    conf: Path,
    account: SipeAccount,
    *,
    debug_log: Path,
    timeout: float,
    settle: float = 3.0,
    preload: Path | None = None,
) -> SipeRun:
    """Sign the account in, then keep it on for `settle` seconds (the requests SIPE makes
    after the 200 OK); stop at once when bitlbee reports a login error. Never longer
    than `timeout` seconds in all."""
    env = {
        **os.environ,
        "BITLBEE_DEBUG": "1",
        "PURPLE_UNSAFE_DEBUG": "1",
        "PURPLE_VERBOSE_DEBUG": "1",
        "HOME": str(conf.parent),
    }
    if preload is not None:
        env["LD_PRELOAD"] = str(preload)
    run = SipeRun()
    # Inetd mode reads and writes the one socket it is given as stdin: a pipe would take
    # no answer, so bitlbee gets one end of a socket pair as both stdin and stdout.
    ours, theirs = socket.socketpair()
    with debug_log.open("wb") as stderr, theirs:
        process = await asyncio.create_subprocess_exec(
            *prefix,
            "bitlbee",
            "-I",
            "-c",
            str(conf),
            "-d",
            str(conf.parent / "bitlbee"),
            stdin=theirs,
            stdout=theirs,
            stderr=stderr,
            env=env,
        )
    stdout, stdin = await asyncio.open_connection(sock=ours)

    def send(line: str) -> None:
        stdin.write(line.encode() + b"\r\n")

    deadline = time.monotonic() + timeout
    stop_at = deadline
    try:
        send(f"NICK {NICK}")
        send(f"USER {NICK} 0 * :{NICK}")
        for command in account.commands():
            send(f"PRIVMSG &bitlbee :{command}")
        await stdin.drain()
        while time.monotonic() < stop_at:
            try:
                raw = await asyncio.wait_for(stdout.readline(), stop_at - time.monotonic())
            except TimeoutError:
                break
            if not raw:
                break
            line = raw.decode(errors="replace").rstrip("\r\n")
            run.irc.append(line)
            if ACCOUNT_ON.search(line) and not run.signed_in:
                run.signed_in = True
                stop_at = min(deadline, time.monotonic() + settle)
            elif LOGIN_FAILED.search(line):
                stop_at = min(stop_at, time.monotonic() + 0.5)
    finally:
        stdin.close()
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
    run.debug = debug_log.read_text(errors="replace").splitlines()
    debug_log.with_suffix(".irc").write_text("\n".join(run.irc))
    return run
