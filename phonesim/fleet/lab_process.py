"""The embedded lab in a process of its own, so a fleet and its lab each get a core."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from phonesim.errors import PhonesimError
from phonesim.lab.embedded_lab import LabEndpoints

READY_TIMEOUT = 30.0


class LabProcessError(PhonesimError):
    pass


class LabProcess:
    def __init__(
        self,
        *,
        users_toml: str | None = None,
        scenario: str | None = None,
        domain: str = "phonesim.test",
    ) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="phonesim-lab-"))
        self._endpoints_file = self._folder / "lab.json"
        self._users = None
        if users_toml is not None:
            self._users = self._folder / "users.toml"
            self._users.write_text(users_toml, encoding="utf-8")
        self._scenario = scenario
        self._domain = domain
        self._process: subprocess.Popen[bytes] | None = None
        self.endpoints: LabEndpoints | None = None

    async def start(self) -> LabEndpoints:
        argv = [
            sys.executable,
            "-m",
            "phonesim",
            "lab",
            "--endpoints-file",
            str(self._endpoints_file),
            "--domain",
            self._domain,
        ]
        if self._users is not None:
            argv += ["--users", str(self._users)]
        if self._scenario is not None:
            argv += ["--scenario", self._scenario]
        log = (self._folder / "lab.log").open("wb")
        self._process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()
        )
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT
        while loop.time() < deadline:
            if self._process.poll() is not None:
                raise LabProcessError(
                    f"the lab process exited with {self._process.returncode}: {self._log_tail()}"
                )
            if self._endpoints_file.exists():
                try:
                    self.endpoints = LabEndpoints.from_file(self._endpoints_file)
                    return self.endpoints
                except PhonesimError:
                    pass  # written but not complete yet
            await asyncio.sleep(0.05)
        self.stop()
        raise LabProcessError(f"the lab process was not ready within {READY_TIMEOUT:g} s")

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _log_tail(self) -> str:
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
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    async def __aenter__(self) -> LabEndpoints:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()
