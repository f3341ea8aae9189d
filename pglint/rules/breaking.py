"""Rules of the breaking family."""

from __future__ import annotations
