"""Rules of the rewrites module."""

from __future__ import annotations
