"""Today's behaviour, frozen: each boot's trace is its golden file, line for line.

A difference is shown as a unified diff of the trace.jsonl lines, with the
fields that changed in each line changed in place. When the
change is meant, `pytest tests/golden --update-goldens` rewrites the files, and
the diff goes into review with the change that made it.

Nothing in a golden is masked: on the pairing's virtual clock every value is
fixed, times of day included (see phonesim/testing/lab_pair.py).
"""

from __future__ import annotations

import pytest

from tests.golden.boots import BOOTS, GOLDEN, golden_file
from tests.golden.golden_diff import describe_difference


@pytest.mark.parametrize("name", sorted(BOOTS))
def test_the_trace_is_its_golden(name: str, update_goldens: bool) -> None:
    pair = BOOTS[name]()
    pair.run()
    trace = pair.trace_jsonl()
    path = golden_file(name)
    if update_goldens:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(trace, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"{path} is missing: write it with `pytest tests/golden --update-goldens`")
    golden = path.read_text(encoding="utf-8")
    if trace != golden:
        pytest.fail(
            "the trace differs from its golden (if that is meant: pytest tests/golden "
            "--update-goldens)\n"
            + describe_difference(
                golden, trace, golden_name=str(path.relative_to(GOLDEN.parent.parent))
            ),
            pytrace=False,
        )


def test_every_golden_file_belongs_to_a_boot() -> None:
    files = {
        str(path.relative_to(GOLDEN)).removesuffix(".trace.jsonl")
        for path in GOLDEN.rglob("*.trace.jsonl")
    }
    assert files == set(BOOTS)
