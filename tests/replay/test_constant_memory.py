"""A 100 MB capture is skimmed and every session replayed without memory growing with the file."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.replay.synthetic_capture import write_synthetic_capture

ROOT = Path(__file__).resolve().parents[2]
BIG = 100 * 1024 * 1024
ALLOWED_GROWTH_KB = 30 * 1024

# Run in a fresh interpreter: the peak RSS of the test process itself says nothing.
MEASURE = textwrap.dedent(
    """
    import json, resource, sys
    from phonesim.profiles import load_profile
    from phonesim.replay.capture_skim import CaptureSkim
    from phonesim.replay.session_replayer import SessionReplayer

    def replay_all(path):
        skim = CaptureSkim(path)
        replayer = SessionReplayer(
            load_profile("polycom-cx600"), dns=skim.dns, lease_domains=skim.lease_domains
        )
        counts = {"sessions": 0, "as_captured": 0}
        for session in skim.sessions():
            counts["sessions"] += 1
            replay = replayer.replay(session)
            verdicts = [(a.server, a.verdict) for a in replay.answers]
            if replay.decided and verdicts == [("192.0.2.5", "ignored"), ("192.0.2.6", "won")]:
                counts["as_captured"] += 1
        counts["records"] = skim.statistics.records
        counts["error"] = None if skim.error is None else str(skim.error)
        return counts

    replay_all(sys.argv[1])
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    counts = replay_all(sys.argv[2])
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**counts, "rss_before_kb": before, "rss_after_kb": after}))
    """
)


def test_a_100_mb_capture_replays_in_constant_memory(tmp_path: Path) -> None:
    warm = write_synthetic_capture(tmp_path / "warm.pcap", target_bytes=4 * 1024 * 1024)
    big = write_synthetic_capture(tmp_path / "big.pcap", target_bytes=BIG)
    assert big.size >= BIG
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(warm.path), str(big.path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["error"] is None
    assert result["records"] == big.records
    assert result["sessions"] == big.sessions == result["as_captured"]
    growth = result["rss_after_kb"] - result["rss_before_kb"]
    assert growth < ALLOWED_GROWTH_KB, f"peak RSS grew by {growth} kB reading {big.size} bytes"
