"""Memloci: a local-first personal memory that stays on your machine."""

__version__ = "0.1.0"
