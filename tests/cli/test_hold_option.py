"""`--hold DURATION` as a user meets it: beside --stop-after in `boot --help`, the same
example durations in the help and in the error, and our own error for a negative hold
(argparse alone would take `-5s` for an option and say only "expected one argument")."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonesim.cli import build_parser, main
from phonesim.fleet.load_shape import DURATION_EXAMPLES


def _subparser(name: str):  # type: ignore[no-untyped-def]
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    return commands.choices[name]  # type: ignore[index]


@pytest.mark.parametrize("command", ["boot", "diagnose"])
def test_hold_is_in_the_same_help_group_as_stop_after(command: str) -> None:
    parser = _subparser(command)
    group_of = {
        option: group.title
        for group in parser._action_groups
        for action in group._group_actions
        for option in action.option_strings
    }
    assert group_of["--hold"] == group_of["--stop-after"]


@pytest.mark.parametrize("command", ["boot", "fleet"])
def test_the_help_and_the_error_give_the_same_durations(command: str, capsys) -> None:
    hold = next(a for a in _subparser(command)._actions if "--hold" in a.option_strings)
    assert DURATION_EXAMPLES in hold.help
    args = [command, "--lab", "--hold", "soon"]
    args += ["--ext", "5551234", "--pin", "13579"] if command == "boot" else ["--phones", "2"]
    assert main(args) == 2
    assert f"--hold 'soon': give a duration such as {DURATION_EXAMPLES}" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["boot", "fleet"])
def test_a_negative_hold_gets_our_error_saying_what_and_where(
    command: str, capsys, tmp_path: Path
) -> None:
    args = [command, "--lab", "--hold", "-5s"]
    if command == "boot":
        args += ["--ext", "5551234", "--pin", "13579", "--runs-dir", str(tmp_path / "runs")]
    else:
        args += ["--phones", "2", "--report", str(tmp_path / "report")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--hold '-5s': must be more than 0" in err
    assert "expected one argument" not in err
    assert not any(tmp_path.iterdir())  # refused before anything was made


def test_an_option_after_hold_is_not_taken_for_its_value(capsys) -> None:
    """Only a value that starts with a minus and a digit is kept as --hold's: `--json`
    after `--hold` is still a missing duration."""
    args = ["boot", "--lab", "--ext", "5551234", "--pin", "13579", "--hold", "--json"]
    with pytest.raises(SystemExit):
        main(args)
    assert "--hold: expected one argument" in capsys.readouterr().err
