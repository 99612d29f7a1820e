"""The README's security rules, each held by a test of the phone as a user runs it."""
