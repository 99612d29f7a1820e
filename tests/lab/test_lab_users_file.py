"""The lab's users file: TOML, or the same CSV a fleet reads, with errors that name the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from phonesim.cli import main
from phonesim.codec.ocauthws.diagnostics import PIN_LOCKED
from phonesim.errors import LabDataError
from phonesim.lab.directory import LabDirectory, PinRejected


def test_the_fleet_csv_is_a_lab_users_file(tmp_path: Path) -> None:
    users = tmp_path / "users.csv"
    users.write_text("ext,pin,mac,profile\n5559876,24680,,polycom-cx600\n+14255550100,13579,,\n")
    directory = LabDirectory.load(users)
    assert directory.authenticate("5559876", "24680").sip_uri == "sip:user5559876@phonesim.test"
    assert directory.authenticate("+14255550100", "13579").extension == "14255550100"
    with pytest.raises(PinRejected):
        directory.authenticate("5559876", "11111")


def test_the_format_is_told_by_content_when_the_name_does_not_say(tmp_path: Path) -> None:
    as_csv = tmp_path / "users.txt"
    as_csv.write_text("ext,pin\n5559876,24680\n")
    assert LabDirectory.load(as_csv).find("5559876") is not None
    as_toml = tmp_path / "people"
    as_toml.write_text(
        '[[user]]\nextension = "5559876"\nphone_number = "+14255559876"\npin = "24680"\n'
        'sip_uri = "sip:dave@phonesim.test"\n'
    )
    assert LabDirectory.load(as_toml).find("5559876").sip_uri == "sip:dave@phonesim.test"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ext,pin\n5559876,24680\n5559877,12\n", "users.csv: line 3: pin must be 4 to 24 digits"),
        (
            "ext,pin\n5559876,24680\n5559876,13579\n",
            "users.csv: line 3: number 5559876 is already used by line 2",
        ),
        ("name,pin\nx,1234\n", "users.csv: line 1 must name the columns, at least ext,pin"),
    ],
)
def test_a_bad_csv_names_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    users = tmp_path / "users.csv"
    users.write_text(text)
    with pytest.raises(LabDataError) as caught:
        LabDirectory.load(users)
    assert str(caught.value).endswith(message)


def test_lab_refuses_a_bad_users_csv_in_one_line(tmp_path: Path, capsys) -> None:
    users = tmp_path / "users.csv"
    users.write_text("ext,pin\n5559876,24680\n5559877,12\n")
    code = main(["lab", "--users", str(users), "--endpoints-file", str(tmp_path / "lab.json")])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip().splitlines() == [
        f"phonesim: error: {users}: line 3: pin must be 4 to 24 digits"
    ]


def test_failures_already_counted_lock_a_toml_user(tmp_path: Path) -> None:
    users = tmp_path / "users.toml"
    users.write_text(
        '[[user]]\nextension = "5559876"\nphone_number = "+14255559876"\npin = "24680"\n'
        'sip_uri = "sip:dave@phonesim.test"\nfailed_attempts = 25\n'
    )
    with pytest.raises(PinRejected) as caught:
        LabDirectory.load(users).authenticate("5559876", "24680")
    assert caught.value.error_id == PIN_LOCKED
