"""Make ``fake_discord`` (in tests/) and the harness importable for the adapter's tests."""

import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parents[2]
for folder in (TESTS_DIR, Path(__file__).resolve().parent):
    if str(folder) not in sys.path:
        sys.path.append(str(folder))  # appended: tests/bot must not shadow the bot package
