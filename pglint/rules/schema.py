"""Rules of the schema family."""

from __future__ import annotations
