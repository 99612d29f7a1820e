"""A fleet carried across machines by Locust: `bridge` is the only module importing it."""
