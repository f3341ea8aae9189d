"""Rules of the restrictions module."""

from __future__ import annotations
