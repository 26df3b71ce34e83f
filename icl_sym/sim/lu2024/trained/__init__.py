"""Gradient-trained attention models of Lu et al. (2025), Figs. 5 and 6: architectures, training, thresholds."""

from .models import ARCHITECTURES, VARIANTS, build_model

__all__ = ["ARCHITECTURES", "VARIANTS", "build_model"]
