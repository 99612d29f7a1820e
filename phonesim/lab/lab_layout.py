"""Where the lab's pool lives: its domain, address and host names."""

from __future__ import annotations

from dataclasses import dataclass

from phonesim.codec.ocauthws.endpoints import CERT_PROV_PATH


@dataclass(frozen=True)
class LabLayout:
    domain: str = "phonesim.test"
    address: str = "127.0.0.1"
    web_name: str = "web01"
    pool_name: str = "pool01"

    def fqdn(self, name: str) -> str:
        """Scenario names are relative to the lab domain when they have no dot
        (`pool01`) or are SRV owner names (`_sipinternaltls._tcp`)."""
        name = name.rstrip(".").lower()
        if name == self.domain or name.endswith("." + self.domain):
            return name
        if "." not in name or name.startswith("_"):
            return f"{name}.{self.domain}"
        return name

    @property
    def pool_fqdn(self) -> str:
        return self.fqdn(self.pool_name)

    @property
    def web_fqdn(self) -> str:
        return self.fqdn(self.web_name)

    @property
    def time_fqdn(self) -> str:
        return f"ntp.{self.domain}"

    @property
    def cert_prov_url(self) -> str:
        return f"https://{self.web_fqdn}{CERT_PROV_PATH}"
