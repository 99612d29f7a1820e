"""The console every command prints through.

rich's answer to a reader that goes away (`phonesim decode - | head -1`) is
exit code 1, which several commands use for a finding ("the phone would not
use it", "the live answer differs"). Raising BrokenPipeError instead lets the
command line end with the broken-pipe code, whatever the command.
"""

from __future__ import annotations

from rich.console import Console


class TerminalConsole(Console):
    def on_broken_pipe(self) -> None:
        self.quiet = True
        raise BrokenPipeError


__all__ = ["TerminalConsole"]
