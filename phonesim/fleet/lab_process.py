"""The embedded lab in a process of its own, so a fleet and its lab each get a core.

The lab's folder (its endpoints file, users and log) is a temporary one that
this removes when the lab stops, whichever way the run ends; the lab process
itself ends with its parent (see `lab_child`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from phonesim.errors import PhonesimError
from phonesim.fleet.lab_child import ENDPOINTS, USERS
from phonesim.lab.layout import LabEndpoints

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


class LabProcessError(PhonesimError):
    pass


class LabProcess:
    def __init__(
        self,
        *,
        users_toml: str | None = None,
        scenario: str | None = None,
        domain: str = "phonesim.test",
        users_written: bool = False,
    ) -> None:
        """`users_written`: the scenario's user changes are in `users_toml` already, the
        lab applies the rest of the scenario."""
        self._users_toml = users_toml
        self._scenario = scenario
        self._users_written = users_written
        self._domain = domain
        self._folder: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.endpoints: LabEndpoints | None = None
        self.exit_code: int | None = None
        """Set when the lab process ended on its own (a crash), not by `stop`."""

    @property
    def folder(self) -> Path | None:
        return self._folder

    async def start(self) -> LabEndpoints:
        folder = self._folder = Path(tempfile.mkdtemp(prefix="phonesim-lab-"))
        try:
            return await self._start(folder)
        except BaseException:
            self.stop()
            raise

    async def _start(self, folder: Path) -> LabEndpoints:
        if self._users_toml is not None:
            # Every phone's PIN is in it: readable by this user alone, from its first byte.
            users = os.open(folder / USERS, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(users, "w", encoding="utf-8") as file:
                file.write(self._users_toml)
        argv = [
            sys.executable,
            "-m",
            "phonesim.fleet.lab_child",
            "--folder",
            str(folder),
            "--parent",
            str(os.getpid()),
            "--domain",
            self._domain,
        ]
        if self._scenario is not None:
            argv += ["--scenario", self._scenario]
        if self._users_written:
            argv.append("--users-written")
        with (folder / "lab.log").open("wb") as log:
            self._process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        endpoints_file = folder / ENDPOINTS
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT
        while loop.time() < deadline:
            if self._process.poll() is not None:
                raise LabProcessError(
                    f"the lab process exited with {self._process.returncode}: {self._log_tail()}"
                )
            if endpoints_file.exists():
                try:
                    self.endpoints = LabEndpoints.from_file(endpoints_file)
                    return self.endpoints
                except PhonesimError:
                    pass  # written but not complete yet
            await asyncio.sleep(0.05)
        raise LabProcessError(f"the lab process was not ready within {READY_TIMEOUT:g} s")

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def exited(self) -> bool:
        """Whether the lab process ended by itself while it should be serving."""
        if self._process is None or self.exit_code is not None:
            return self.exit_code is not None
        code = self._process.poll()
        if code is not None:
            self.exit_code = code
        return code is not None

    def _log_tail(self) -> str:
        if self._folder is None:
            return ""
        try:
            text = (self._folder / "lab.log").read_text(errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-3:])

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        folder, self._folder = self._folder, None
        if folder is not None:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder)

    async def __aenter__(self) -> LabEndpoints:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()
