"""Errors of the office's use cases."""

from __future__ import annotations


class RegistryError(ValueError):
    """An office request that cannot be carried out; nothing was changed."""
