"""The use cases: boot one phone, run a fleet, replay a capture.

Each takes a request (plain values: a profile, who signs in, where the servers
are) and returns a report, with no argparse, terminal or printing, so a test or
a notebook runs what the command line runs. The command line parses, builds the
request, calls one of these and renders what comes back.
"""
