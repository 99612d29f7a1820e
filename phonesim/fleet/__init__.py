"""Fleets of virtual phones: many cores on one event loop, sharing sockets and clients.

A load test of a pool is thousands of the same phone, each a small state
object; what they share (the DHCP socket, web clients, key pairs) is shared,
and what a test engineer needs (exact per-stage latencies, a failure for every
phone that did not sign in) is counted as they go.
"""
