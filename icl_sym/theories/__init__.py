"""One package per paper; importing this package registers every theory."""

from . import lu2024  # noqa: F401
