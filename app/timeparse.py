"""Moved to app.timewords; kept only for app/api/routes.py, which imports it (remove both
lines there and this file together)."""

from app.timewords.moments import parse_bound, parse_moment

__all__ = ["parse_bound", "parse_moment"]
