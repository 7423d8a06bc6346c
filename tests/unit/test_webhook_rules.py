"""The pure rules of webhooks: which addresses are public, the allow-list, the backoff schedule,
the pinned URL an attempt connects to, and the signature header."""

from __future__ import annotations

import ipaddress
import random
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook

from clickproof.domain.webhook_events import MAX_RETRY_DELAY_SECONDS, retry_delay, schedule
from clickproof.services.webhook_delivery import signature_header
from clickproof.services.webhook_targets import AllowList, Target, TargetRefusedError, check_target, is_public


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, not a bind
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "ff02::1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


def test_allow_list_takes_hosts_addresses_and_ranges() -> None:
    allow = AllowList.parse(" hooks.internal. , 10.0.0.0/8,127.0.0.1 ,")
    assert allow.hosts == frozenset({"hooks.internal"})
    assert allow.allows_address(ipaddress.ip_address("10.9.8.7"))
    assert allow.allows_address(ipaddress.ip_address("127.0.0.1"))
    assert not allow.allows_address(ipaddress.ip_address("127.0.0.2"))
    assert not allow.allows_address(ipaddress.ip_address("::1"))
    assert check_target("http://10.1.2.3:8080/x", allow).address == ipaddress.ip_address("10.1.2.3")
    with pytest.raises(TargetRefusedError):
        check_target("http://192.168.0.1/x", allow)


def test_pinned_url_keeps_path_query_and_port_and_names_the_host() -> None:
    target = Target(
        "https://hooks.example.com:8443/in?x=1", "hooks.example.com", ipaddress.ip_address("93.184.215.14")
    )
    assert target.pinned_url() == "https://93.184.215.14:8443/in?x=1"
    assert target.host_header() == "hooks.example.com:8443"
    six = Target("http://[2606:4700::1]/", "2606:4700::1", ipaddress.ip_address("2606:4700::1"))
    assert six.pinned_url() == "http://[2606:4700::1]/" and six.host_header() == "[2606:4700::1]"


def test_backoff_doubles_with_at_most_ten_percent_jitter_and_a_six_hour_cap() -> None:
    rng = random.Random(5)
    for attempt in range(1, 20):
        nominal = min(MAX_RETRY_DELAY_SECONDS, 30 * 2 ** (attempt - 1))
        delay = retry_delay(attempt, 30, rng)
        assert nominal * 0.9 <= delay <= nominal
    assert schedule(12, 30)[:3] == [30, 60, 120] and schedule(12, 30)[-1] == MAX_RETRY_DELAY_SECONDS
    assert 14 * 3600 < sum(schedule(12, 30)) < 15 * 3600  # docs/webhooks.md: about 14.5 hours


def test_signature_header_carries_one_signature_per_secret_and_each_verifies() -> None:
    old, new = "whsec_" + "A" * 32, "whsec_" + "B" * 32
    at = datetime.now(UTC)
    header = signature_header([new, old], "msg_1", at, '{"a":1}')
    assert len(header.split(" ")) == 2
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": header,
    }
    for secret in (old, new):
        assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
