"""A relay reads a phone frame's index, samples and failures as the whole frame says them,
and the engine lays its frames out so the relay need not decode the rest."""

from __future__ import annotations

import json

import pytest

from phonesim.fleet.record_stream import phone_frame
from phonesim.fleet.stage_clock import StageClock, StepFailure
from phonesim.locust import relay_frames
from phonesim.locust.relay_frames import relayed_phone


def frame_line(index: int, *, failed: bool) -> bytes:
    clock = StageClock()
    clock.samples = [("dhcp", 0.010049), ("dns", 1 / 3)]
    if failed:
        clock.failures = [
            StepFailure("tlsdsk", 0.25, "failed", "tls.refused", 'a "quoted", message', True),
            StepFailure("boot", 0.5, "failed", "tls.refused", ',"samples":[]', True),
        ]
    frame = phone_frame(
        index=index,
        profile="polycom-cx600",
        mac="00:04:f2:30:00:07",
        sign_in_as="6000007",
        started=0.1,
        scheduled=0.1,
        waited=False,
        ended=0.6,
        outcome="tls.refused" if failed else "success",
        detail='the server said ",\\"samples\\":"',
        clock=clock,
    )
    return json.dumps(frame, separators=(",", ":")).encode()


@pytest.mark.parametrize("failed", [False, True])
def test_a_phone_frame_reads_as_its_full_decoding(failed: bool) -> None:
    line = frame_line(123456, failed=failed)
    whole = json.loads(line)
    phone = relayed_phone(line)
    assert phone.index == 123456
    assert phone.samples == whole["samples"]
    assert phone.failures == whole["failures"]
    assert [s[1] for s in phone.samples] == [0.010049, 1 / 3]  # floats exact


def test_the_engines_frames_are_read_without_decoding_them_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    line = frame_line(7, failed=True)

    def whole(_: str) -> None:
        raise AssertionError("decoded whole")

    monkeypatch.setattr(relay_frames.json, "loads", whole)
    assert relayed_phone(line).failures[0][3] == "tls.refused"


def test_a_frame_laid_out_otherwise_is_still_read_right() -> None:
    frame = json.loads(frame_line(9, failed=True))
    reordered = {"t": "phone", "index": 9, "outcome": frame["outcome"]} | {
        key: value for key, value in reversed(frame.items())
    }
    phone = relayed_phone(json.dumps(reordered, separators=(",", ":")).encode())
    assert (phone.index, phone.samples, phone.failures) == (9, frame["samples"], frame["failures"])
