"""Hostile uploads, smaller than ``make stress``'s: refused by the caps or indexed quickly, and
another server answered while six uploads run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from stress.uploads import check_uploads, report


def test_hostile_uploads_are_bounded_and_do_not_hold_up_another_server(tmp_path: Path) -> None:
    outcomes, crowded, failures = asyncio.run(
        check_uploads(tmp_path, scale=0.2, crowd_size=8_000, semantic=False)
    )
    assert failures == []
    refused = {o.label: o.refusal for o in outcomes}
    assert refused["2 000 short sentences in one paragraph"] == ""
    assert "over the limit of 20,000" in refused["16 000 short sentences in one paragraph"]
    assert "over 100,000 paragraphs" in refused["1 MB of 'a' and blank lines"]
    assert all(o.seconds < 30 for o in outcomes)
    assert crowded.latencies and len(crowded.uploads) == 6
    lines = report(outcomes, crowded)
    assert len(lines) == len(outcomes) + 1 and "another server's questions" in lines[-1]
