"""The suite's rule for what a machine lacks: skip here, fail under CI (``CI=true``)."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def missing(reason: str, tests: str) -> NoReturn:
    """Skip for ``reason`` locally; under CI fail instead, since ``tests`` must run there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: under CI {tests} must run")
    pytest.skip(reason)
