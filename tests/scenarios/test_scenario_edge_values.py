"""A scenario file is text a user writes: whatever it holds, it is refused as it is read,
with its file and field, or the lab it describes starts (hardening review D11: tracebacks
in the loader, and values the loader took that crashed the lab when it started)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from phonesim.errors import LabDataError
from phonesim.lab.directory import LabDirectory
from phonesim.lab.embedded_lab import EmbeddedLab
from phonesim.lab.lab_plan import LabPlan
from phonesim.lab.lab_servers import configure_lab
from phonesim.lab.layout import LabLayout
from phonesim.lab.scenario import load_scenario, load_scenario_text

HEAD = '[scenario]\nsummary = "s"\n'
REFUSED = {
    "superscript-option-code": ('[[dhcp.server]]\noptions = { "²" = "00" }\n', "options"),
    "5000-digit-option-code": (
        f'[[dhcp.server]]\noptions = {{ "{"9" * 5000}" = "00" }}\n',
        "options",
    ),
    "superscript-srv-priority": (
        '[dns.srv]\n"_sipinternaltls._tcp" = ["² 0 5061 pool01"]\n',
        "srv",
    ),
    "non-ascii-scheme": ('[[dhcp.server]]\noption_43 = { scheme = "httpś" }\n', "scheme"),
    "path-over-255-bytes": (
        f'[[dhcp.server]]\noption_43 = {{ path = "/{"a" * 300}" }}\n',
        "path",
    ),
    "ca-valid-from-1e10-days": (
        "[certificates]\nca_valid_from_days = 1e10\n",
        "ca_valid_from_days",
    ),
    "nan-time-offset": ("[time]\noffset_seconds = nan\n", "offset_seconds"),
    "inf-dhcp-delay": ("[[dhcp.server]]\ndelay = inf\n", "delay"),
    "inf-registrar-delay": ("[registrar]\ndelay = inf\n", "delay"),
    "negative-inf-offset": ("[time]\noffset_seconds = -inf\n", "offset_seconds"),
}


@pytest.mark.parametrize(("text", "field"), REFUSED.values(), ids=REFUSED.keys())
def test_a_value_the_lab_cannot_serve_is_refused_where_it_is_read(
    tmp_path: Path, text: str, field: str
) -> None:
    path = tmp_path / "edge.toml"
    path.write_text(HEAD + text)
    with pytest.raises(LabDataError, match=field) as refused:
        load_scenario(path)
    assert str(path) in str(refused.value)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'[scenario]\nsummary = "caf\xe9"\n', "not UTF-8"),
        (HEAD.encode() + b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n", "not valid TOML"),
    ],
    ids=["latin-1", "deep-nesting"],
)
def test_a_file_that_is_no_toml_scenario_is_one_error(
    tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "edge.toml"
    path.write_bytes(content)
    with pytest.raises(LabDataError, match=says):
        load_scenario(path)


@pytest.mark.parametrize(
    "text",
    [
        "[time]\noffset_seconds = -315360000\n",
        "[certificates]\nca_valid_from_days = -3650\n",
        '[[dhcp.server]]\ndelay = 600\noption_43 = { path = "/' + "a" * 254 + '" }\n',
    ],
    ids=["ten-years-behind", "a-ten-year-old-ca", "longest-path-slowest-server"],
)
def test_the_largest_values_accepted_still_make_a_lab(text: str) -> None:
    scenario = load_scenario_text(HEAD + text, name="edge", source="edge")
    layout = LabLayout(web_name=scenario.web_name, pool_name=scenario.pool_name)
    assert LabPlan(layout, scenario).dhcp_servers()
    servers = configure_lab(layout, scenario, users=LabDirectory.load(), now=datetime.now(UTC))
    assert servers.ca is not None


def test_the_time_server_of_an_accepted_offset_starts() -> None:
    scenario = load_scenario_text(
        HEAD + "[time]\noffset_seconds = 315360000\n", name="edge", source="edge"
    )

    async def start() -> None:
        async with EmbeddedLab(scenario=scenario) as lab:
            assert lab.endpoints.port_map[123]

    asyncio.run(start())
