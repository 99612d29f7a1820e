"""What the phone would have done with a captured session, or a captured boot: the real core
on a virtual clock.

The phone core (`phonesim.core.phone.Phone`) is started as it is for a live boot. An
INFORM session alone is replayed by a phone that already has its address, with
`final_stage="discovery"`. A phone's boot (`phone_boots`: its VLAN query, its lease, its
INFORM) is replayed by a phone at power-on that runs the bring-up stages the capture
shows, so its VLAN, its address, its domain and its DNS servers come from the captured
answers exactly as the core takes them. Every decision shown comes from the core's own
trace events (`replay_run` feeds it).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from phonesim.core.discovery_cache import DiscoveryCache
from phonesim.core.identity import NO_NETWORK, NetworkSettings
from phonesim.core.profile import DeviceProfile
from phonesim.core.stage import Stage
from phonesim.errors import PhonesimError
from phonesim.replay.bringup_summary import summarise_bringup
from phonesim.replay.capture_gaps import CaptureGapJudge
from phonesim.replay.capture_skim import CaptureCoverage
from phonesim.replay.dns_answers import DnsAnswerBook
from phonesim.replay.phone_boots import INFORM, LEASE, VLAN_QUERY, PhoneBoot
from phonesim.replay.replay_result import (
    AFTER_DECISION,
    IGNORED,
    MALFORMED,
    NOT_LISTENING,
    NOT_OURS,
    PLACEHOLDER_DOMAIN,
    USED_WITHOUT_FQDN,
    WITHOUT_FQDN,
    WON,
    AnswerVerdict,
    SessionReplay,
    outcome_summary,
)
from phonesim.replay.replay_run import ReplayRun
from phonesim.replay.sessions import KIND_DORA, KIND_INFORM, DhcpSession

USER = "user"


class SessionReplayer:
    """Replays INFORM sessions and phones' boots through the phone core with one profile."""

    def __init__(
        self,
        profile: DeviceProfile,
        *,
        dns: DnsAnswerBook | None = None,
        domain: str | None = None,
        lease_domains: Mapping[str, str] | None = None,
        seed: int = 0,
        cache: DiscoveryCache | None = None,
        cache_file: Path | None = None,
    ) -> None:
        self.profile = profile
        self.dns = dns if dns is not None else DnsAnswerBook()
        self.domain = domain
        self.lease_domains = lease_domains if lease_domains is not None else {}
        self.seed = seed
        self.cache = cache
        """The phone's flash at power-on (`replay --cache`); None: a phone out of its box."""
        self.cache_file = cache_file

    @staticmethod
    def replayable(session: DhcpSession) -> str | None:
        """None when the session can be replayed alone, else why not (in words)."""
        if session.kind == KIND_DORA:
            return (
                "a lease exchange (DORA), not a DHCPINFORM: alone it says nothing of "
                "discovery (without --session, a phone's VLAN query, lease and INFORM "
                "replay as one boot)"
            )
        if session.kind != KIND_INFORM:
            types = ", ".join(sorted({m.type_name for m in session.messages}))
            return f"{types or 'no DHCP message type'}: nothing in it for the phone's discovery"
        return None

    def replay(
        self, session: DhcpSession, coverage: CaptureCoverage | None = None
    ) -> SessionReplay:
        """Replay one session; `coverage` (what had been read of the capture when it came out)
        lets the findings tell a gap in the capture from a site that did not answer."""
        why_not = self.replayable(session)
        if why_not is not None:
            raise PhonesimError(f"session {session.number}: {why_not}")
        domain, source = self.domain_for(session)
        inform = session.inform
        result = SessionReplay(
            session=session.number,
            profile=self.profile.name,
            domain=domain,
            domain_source=source,
            address=session.client_address or "0.0.0.0",
        )
        run = ReplayRun(
            self,
            result,
            {INFORM: session},
            mac=session.client_mac,
            settings=NetworkSettings(address=result.address, dns_domain=domain),
            base=inform.time if inform is not None else session.first_time,
            cache=self._starting_cache(result),
        )
        if inform is None:
            run.note(
                0.0,
                "inform_not_captured",
                "warning",
                why="only the answers are in the capture: they are timed from the first one",
            )
        self._note_cache(run)
        replay = run.run()
        self._judge_gaps(replay, session, coverage)
        return replay

    def replay_boot(
        self, boot: PhoneBoot, coverage: CaptureCoverage | None = None
    ) -> SessionReplay:
        """Replay one phone's boot: power-on, the bring-up the capture shows, then discovery
        (stopping after the lease when the capture holds no INFORM and no cache was given)."""
        bringup = {Stage.LEASE}
        if boot.vlan_query is not None:
            bringup.add(Stage.VLAN)
        final = Stage.DISCOVERY
        if boot.inform is None and self.cache is None:
            final = Stage.LEASE
        settings = NO_NETWORK
        if self.domain:
            settings = NetworkSettings("0.0.0.0", self.domain, domain_source=USER)
        parts = {
            part: session
            for part, session in (
                (VLAN_QUERY, boot.vlan_query),
                (LEASE, boot.lease),
                (INFORM, boot.inform),
            )
            if session is not None
        }
        first = boot.sessions[0]
        result = SessionReplay(
            session=first.number,
            profile=self.profile.name,
            domain=self.domain or "",
            domain_source="given with --domain" if self.domain else "",
            address="0.0.0.0",
            boot=boot,
        )
        start = min(s.requests[0].time if s.requests else s.first_time for s in boot.sessions)
        run = ReplayRun(
            self,
            result,
            parts,
            mac=boot.client_mac,
            settings=settings,
            base=start,
            bringup=frozenset(bringup),
            final_stage=final,
            cache=self._starting_cache(result),
        )
        if boot.inform is None and self.cache is None:
            run.note(
                0.0,
                "no_inform_in_boot",
                "warning",
                why="the capture holds no DHCPINFORM from this phone after its lease: the "
                "replay stops after the lease (a phone whose discovery cache let it skip "
                "discovery sends none: replay with --cache FILE)",
            )
        self._note_cache(run)
        replay = run.run()
        _settle_boot(replay)
        if boot.inform is not None:
            self._judge_gaps(replay, boot.inform, coverage)
        return replay

    def domain_for(self, session: DhcpSession) -> tuple[str, str]:
        """The DNS domain the phone would have had, and where it was found."""
        if self.domain:
            return self.domain, "given with --domain"
        if session.domain:
            return session.domain, "option 15 of this session's answers"
        lease = self.lease_domains.get(session.client_mac)
        if lease:
            return lease, "option 15 of the client's lease in the capture"
        asked = self.dns.domains_asked(self.profile.dns.registrar_srv)
        if asked:
            return asked[0], "the registrar SRV lookups in the capture"
        return PLACEHOLDER_DOMAIN, "not in the capture (no option 15, no SRV lookup): give --domain"

    def _starting_cache(self, result: SessionReplay) -> DiscoveryCache | None:
        if self.cache is not None and self.cache_file is not None:
            result.cache_file = str(self.cache_file)
        return self.cache

    def _note_cache(self, run: ReplayRun) -> None:
        if self.cache is None:
            return
        run.note(
            0.0,
            "cache_from_file",
            file=str(self.cache_file) if self.cache_file else None,
            why=f"the phone starts with the discovery cache {self.cache_file} "
            f"(cache.use = {self.profile.cache.use}); nothing is written back",
        )

    def _judge_gaps(
        self, replay: SessionReplay, session: DhcpSession, coverage: CaptureCoverage | None
    ) -> None:
        if coverage is None:
            return
        device = self.profile.device
        replay.gaps = CaptureGapJudge(
            session,
            coverage,
            # The profile's schedule, not the replayed phone's jittered one: the
            # finding judges the capture, not this run.
            phone_waits=sum(self.profile.dhcp.retransmit_after),
            device=f"the {device.vendor} {device.model}",
        )


def _settle_boot(replay: SessionReplay) -> None:
    """A boot's phone takes its domain and address from the captured answers: say which."""
    bringup = summarise_bringup(replay.traces)
    lease = bringup.lease
    if lease.get("address"):
        replay.address = str(lease["address"])
    if bringup.domain_from_ack and replay.domain_source != "given with --domain":
        replay.domain, replay.domain_source = bringup.domain_from_ack, "the INFORM's ACK"
    elif lease.get("domain") and replay.domain_source != "given with --domain":
        replay.domain = str(lease["domain"])
        replay.domain_source = "option 15 of the lease"
    elif not replay.domain:
        replay.domain, replay.domain_source = "-", "none: the phone has no DNS domain"


__all__ = [
    "AFTER_DECISION",
    "IGNORED",
    "MALFORMED",
    "NOT_LISTENING",
    "NOT_OURS",
    "PLACEHOLDER_DOMAIN",
    "USED_WITHOUT_FQDN",
    "WITHOUT_FQDN",
    "WON",
    "AnswerVerdict",
    "SessionReplay",
    "SessionReplayer",
    "outcome_summary",
]
