"""Captured DHCP sessions: reading pcap/pcapng files, grouping exchanges, replaying them.

The phone in a replay is the same core as in a live boot (`phonesim.core.phone`),
driven on a virtual clock by what the capture holds.
"""
