"""One package per paper; importing this package registers every theory."""

from . import bordelon2025, lu2024  # noqa: F401
