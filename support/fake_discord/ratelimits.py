"""Rate limits on demand: the next requests of a route answer 429 the way Discord does."""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass
class RateLimitRule:
    """How many upcoming requests of one route are refused, and for how long."""

    route: str
    count: int
    retry_after: float
    scope: str = "user"
    is_global: bool = False


@dataclass(frozen=True)
class RateLimitAnswer:
    """The 429 to send: JSON body and headers."""

    body: JSON
    headers: dict[str, str]


class RateLimits:
    """Pending rate-limit rules, consumed one request at a time in the order they were added."""

    def __init__(self) -> None:
        self.rules: list[RateLimitRule] = []

    def add(self, rule: RateLimitRule) -> None:
        """Refuse the next `rule.count` requests of `rule.route`."""
        if rule.count < 1 or rule.retry_after < 0:
            raise ValueError("a rate limit needs count >= 1 and retry_after >= 0")
        self.rules.append(rule)

    def check(self, route: str) -> RateLimitAnswer | None:
        """The 429 this request gets, if a rule for its route is pending (uses up one)."""
        rule = next((r for r in self.rules if r.route == route), None)
        if rule is None:
            return None
        rule.count -= 1
        if rule.count == 0:
            self.rules.remove(rule)
        return _answer(rule)

    @property
    def pending(self) -> int:
        """How many requests are still going to be refused."""
        return sum(rule.count for rule in self.rules)


def _answer(rule: RateLimitRule) -> RateLimitAnswer:
    body = {
        "message": "You are being rate limited.",
        "retry_after": rule.retry_after,
        "global": rule.is_global,
    }
    headers = {
        # HTTP's Retry-After is whole seconds; the body's retry_after is what clients sleep.
        "Retry-After": str(math.ceil(rule.retry_after)),
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
        "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
        "X-RateLimit-Bucket": hashlib.sha1(rule.route.encode()).hexdigest()[:32],
        "X-RateLimit-Scope": rule.scope,
        # discord.py and its webhook adapter treat a 429 without Via as a Cloudflare ban and
        # raise instead of retrying; Discord's answers come through Google's front end.
        "Via": "1.1 google",
    }
    if rule.is_global:
        headers["X-RateLimit-Global"] = "true"
    return RateLimitAnswer(body, headers)
