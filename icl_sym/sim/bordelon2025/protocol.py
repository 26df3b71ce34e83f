"""One ``icl-sym simulate bordelon2025`` run: train a model by online SGD, score it on fresh contexts and put
the theory value beside it (Bordelon, Letey, Pehlevan 2026; docs/theory/bordelon2025.md, "Simulation").
"""

from __future__ import annotations

import math
import time

import numpy as np

from icl_sym.core.validation import check_choice, check_int

from icl_sym.sim.devices import torch_threads

from .data import SETTINGS
from .training import MODELS, TrainConfig, evaluate, flow_time, train

__all__ = ["simulate_training", "default_lr", "theory_values"]


def default_lr(setting: str, model: str, dim: int) -> float:
    """The default SGD rate: D/4 for the reduced model on ISO (γ then moves at an O(1) rate, since each of
    the D diagonal entries gets 1/D of dℓ/dγ), 0.5 on FS and 5 on RRS (the paper's Fig. 3 and 4 rates),
    the authors' 0.125 for the linear transformer (Fig. 1) and AdamW's 5e-4 for the softmax transformer (Fig. 9)."""
    check_choice("setting", setting, SETTINGS)
    if check_choice("model", model, MODELS) == "linear":
        return 0.125
    if model == "softmax":
        return 5e-4
    return {"iso": dim / 4, "fs": 0.5, "rrs": 5.0}[setting]


def theory_values(config: TrainConfig) -> dict:
    """D → ∞ theory: ``theory_loss`` (ISO: the loss at the fixed point of the flow from Γ = 0, i.e. the trained
    model's limit; FS/RRS at α = ∞: the gradient-flow loss at the trained time), ``theory_flow_loss`` (ISO,
    reduced tied model: the flow loss at the trained time) and ``flow_time``; ``None`` where no theory applies."""
    out = {"theory_loss": None, "theory_flow_loss": None, "flow_time": None}
    tied_full = config.model == "reduced" and config.tied and config.width in (None, config.dim)
    sigma2 = config.noise**2
    if config.model == "softmax":
        return out  # no theory for softmax attention
    if config.setting == "iso" and not math.isinf(config.alpha):
        from icl_sym.theories.bordelon2025.iso import iso_flow_fixed_point, iso_gradient_flow, iso_reducible_loss

        fixed = iso_flow_fixed_point(config.alpha, config.depth, sigma2)
        out["theory_loss"] = float(iso_reducible_loss(fixed, config.alpha, config.depth, sigma2))
        if tied_full:
            t = flow_time(config)
            gamma = float(np.asarray(iso_gradient_flow(config.alpha, config.depth, sigma2, [t])).ravel()[0])
            out.update(flow_time=t, theory_flow_loss=float(iso_reducible_loss(gamma, config.alpha, config.depth,
                                                                               sigma2)))
    elif config.setting in ("fs", "rrs") and math.isinf(config.alpha) and tied_full:
        from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

        spectrum = power_law_spectrum(config.dim, config.nu, config.beta)
        t = flow_time(config)
        if config.setting == "fs":
            from icl_sym.theories.bordelon2025.fixed_structure import fs_loss

            loss = fs_loss(np.array([t]), config.depth, spectrum.eigenvalues, spectrum.weights)
        else:
            from icl_sym.theories.bordelon2025.rotated_structure import rrs_gamma, rrs_loss

            gamma = rrs_gamma(np.array([t]), config.depth, spectrum.eigenvalues, spectrum.weights)
            loss = rrs_loss(gamma, config.depth, spectrum.eigenvalues, spectrum.weights)
        out.update(flow_time=t, theory_loss=float(np.asarray(loss).ravel()[0]))
    return out


def simulate_training(setting: str = "iso", depth: int = 4, alpha: float = 2.0, dim: int = 64,
                      width: int | None = None, model: str = "reduced", steps: int = 400, lr: float | None = None,
                      batch: int = 256, seed: int = 0, device: str = "cpu", nu: float = 1.25, beta: float = 1.25,
                      noise: float = 0.0, untied: bool = False, coupled: bool = False, heads: int = 1,
                      mlp: bool = False, decay: float = 0.5,
                      weight_decay: float = 0.0, eval_contexts: int = 10_000, threads: int = 1) -> dict:
    """Train from the model's initialisation and return a JSON-able summary: ``final_loss`` (noise-free test
    error on ``eval_contexts`` fresh contexts, 1 for the zero model), ``final_loss_se``, ``theory_loss``, the
    training ``history`` (mean loss per step), the configuration and the wall time."""
    start = time.perf_counter()
    config = TrainConfig(setting=setting, dim=dim, alpha=alpha, depth=depth, width=width, model=model,
                         tied=not untied, coupled=coupled, steps=steps,
                         lr=default_lr(setting, model, dim) if lr is None else lr, batch=batch, seed=seed, nu=nu,
                         beta=beta, noise=noise, weight_decay=weight_decay, decay=decay, heads=heads, mlp=mlp,
                         device=device)
    eval_contexts = check_int("eval_contexts", eval_contexts, 2)
    with torch_threads(threads):
        result = train(config)
        final, se = evaluate(result.model, config, eval_contexts)
    out = {"final_loss": final, "final_loss_se": se, **theory_values(config), "steps": steps,
           "eval_contexts": eval_contexts, **config.as_dict(), "history": result.history}
    out["seconds"] = time.perf_counter() - start
    return out
