"""Where a webhook may go (SSRF guard): a URL whose host resolves to a loopback, private,
link-local, shared, multicast or otherwise non-public address is refused — when an endpoint is
created and again before every attempt (DNS may answer differently later: rebinding). The attempt
then connects to the very address that was checked, so a second lookup cannot swap it.

An operator lets chosen hosts through with CLICKPROOF_WEBHOOK_ALLOW_HOSTS: names, addresses or
CIDR ranges, comma-separated."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from clickproof.errors import ValidationError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TargetRefusedError(ValidationError):
    code = "webhook_url_refused"


@dataclass(frozen=True)
class AllowList:
    hosts: frozenset[str]
    networks: tuple[IpNetwork, ...]

    @classmethod
    def parse(cls, text: str) -> AllowList:
        hosts: set[str] = set()
        networks: list[IpNetwork] = []
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower().rstrip("."))
        return cls(frozenset(hosts), tuple(networks))

    def allows_address(self, address: IpAddress) -> bool:
        return any(address in network for network in self.networks if network.version == address.version)


@dataclass(frozen=True)
class Target:
    """A checked URL and the address an attempt connects to."""

    url: str
    host: str
    address: IpAddress

    def pinned_url(self) -> str:
        """The URL with the checked address in place of the host name."""
        parts = urlsplit(self.url)
        literal = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        netloc = literal if parts.port is None else f"{literal}:{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))

    def host_header(self) -> str:
        parts = urlsplit(self.url)
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if parts.port is None else f"{host}:{parts.port}"


def is_public(address: IpAddress) -> bool:
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        return is_public(mapped)
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IpAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefusedError(f"the host {host!r} of url does not resolve ({exc})", field="url") from None
    found: list[IpAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in found:
            found.append(address)
    return found


def check_target(url: str, allow: AllowList) -> Target:
    """The target of `url` if every address its host resolves to may be reached, else a 400
    naming `url`."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise TargetRefusedError(f"the host {host!r} of url has no address", field="url")
    if host.lower() in allow.hosts:
        return Target(url, host, addresses[0])
    for address in addresses:
        if not is_public(address) and not allow.allows_address(address):
            raise TargetRefusedError(
                f"url resolves to {address}, a loopback, private, link-local or otherwise non-public "
                "address; webhooks go to public addresses unless the operator allows the host "
                "(CLICKPROOF_WEBHOOK_ALLOW_HOSTS)",
                field="url",
            )
    return Target(url, host, addresses[0])
