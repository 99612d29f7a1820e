"""Hypothesis strategies shared by the codec tests."""

from __future__ import annotations

from hypothesis import strategies as st

_LABEL_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"

labels = st.text(alphabet=_LABEL_CHARACTERS, min_size=1, max_size=63)

# Host names as admins type them: 1-5 labels, well under the 255-byte wire limit.
hostnames = (
    st.lists(labels, min_size=1, max_size=5).map(".".join).filter(lambda name: len(name) <= 200)
)

ipv4_addresses = st.ip_addresses(v=4).map(str)

mac_addresses = st.binary(min_size=6, max_size=6).map(lambda raw: ":".join(f"{b:02x}" for b in raw))

# Codes that can carry a value; 52 is left out because it changes how the rest is read.
option_codes = st.integers(min_value=1, max_value=254).filter(lambda code: code != 52)
