"""Rules of the transactions family."""

from __future__ import annotations
