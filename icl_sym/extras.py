"""Optional parts of the install: the simulation stack (PyTorch) and figures (matplotlib).

Deriving, checking, evaluating and exporting need only SymPy, mpmath, NumPy and SciPy; code that
needs more asks :func:`require`, which names the extra to install instead of failing deep inside.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """An optional dependency is not installed; the message names the extra that brings it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(f"{purpose} needs {module}, which is not installed: "
                                f"pip install 'icl-sym[{extra}]'") from None
