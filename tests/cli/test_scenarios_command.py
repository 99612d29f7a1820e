"""`phonesim scenarios` shows what the README's catalogue says, with every id whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.lab.scenario import catalogue

README = Path(__file__).resolve().parents[2] / "README.md"
CATALOGUE_ROW = re.compile(r"^\| `(?P<name>[a-z0-9-]+)` \| .* \| (?P<ends>[^|]+) \|$", re.M)


def readme_catalogue() -> dict[str, str]:
    """Scenario -> the README's "the phone" column, as the terminal shows it (no backticks)."""
    rows = {
        m["name"]: m["ends"].replace("`", "").strip()
        for m in CATALOGUE_ROW.finditer(README.read_text(encoding="utf-8"))
    }
    return {name: ends for name, ends in rows.items() if name in catalogue()}


def test_the_readme_lists_every_shipped_scenario() -> None:
    assert set(readme_catalogue()) == set(catalogue())


@pytest.mark.parametrize("columns", [80, 120])
def test_every_id_is_shown_whole_as_the_readme_says(capsys, monkeypatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    assert main(["scenarios"]) == 0
    shown = capsys.readouterr().out
    assert max(len(line) for line in shown.splitlines()) <= columns
    words = set(re.findall(r"[^\s│┃;]+", shown))
    for name, ends in readme_catalogue().items():
        assert name in words
        ids = re.findall(r"[a-z0-9_]+\.[a-z0-9_]+", ends)
        assert ids or ends == "succeeds", f"README: {name} ends {ends!r}"
        for id_ in ids:
            assert id_ in words, f"{name}: {id_} is not shown whole"


def test_the_help_says_what_the_list_shows(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["scenarios", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "one line each" not in help_text
    assert "where the phone ends and the finding `phonesim diagnose` reports" in help_text
