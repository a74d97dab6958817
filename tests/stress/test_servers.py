"""Cross-server attempts and floods through the Discord fake: none gets through."""

from __future__ import annotations

from stress.servers import check_servers


def test_no_cross_server_attempt_nor_flood_gets_through() -> None:
    tried, failures = check_servers()
    assert tried >= 10
    assert failures == []
