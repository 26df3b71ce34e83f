"""Structured-covariance figures of Bordelon, Letey, Pehlevan (2026): Fig. 3 (fixed structure, FS), Fig. 4
(randomly rotated structure, RRS, with power-law spectra) and Fig. 8 (App. G.1, untied layers), with trained
reduced-Γ learning curves as trajectory markers on the gradient-flow theory.

Every marker is the reduced-Γ model trained by online SGD at the dimension D of the theory curve it sits on (a
point is simulated only at d = D: the theory is evaluated on the same D-mode power-law spectrum, so what is left
between marker and line is the SGD noise of finite batches and rates, not a truncation of the spectrum). One
training run per draw yields the whole learning curve, read at the marked times (:class:`..figure.Markers` with
``trajectory=True``). SGD steps map to flow time by :func:`icl_sym.sim.bordelon2025.training.flow_time`: FS
t = ηs per mode (Result 4), RRS t = ηs/D (Result 6). Quick mode draws the figures at reduced D and times
(minutes on a CPU), full mode at the paper's sizes (meant for a GPU).
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache, partial
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ..figure import Curve, Estimator, FigureData, Markers, Panel, SimTask, SimulationLayout

__all__ = ["FIG3", "FIG4", "FIG8", "FIG3_MODES", "FIG4_MODES", "FIG8_MODES", "FIG3_SIMULATION", "FIG4_SIMULATION",
           "FIG8_SIMULATION", "FS_LAYOUT", "RRS_LAYOUT", "UNTIED_LAYOUT", "fig3", "fig4",
           "fig8", "rrs_flow_loss", "rrs_learning_curve", "fs_theory_loss", "fs_theory_gamma", "record_steps",
           "train_fs", "train_rrs", "train_untied"]


# --- shared pieces ------------------------------------------------------------------------------------------------

def record_steps(total: int, count: int) -> tuple[int, ...]:
    """About ``count`` SGD steps spread geometrically over 1..``total`` (distinct integers, increasing)."""
    return tuple(int(s) for s in np.unique(np.rint(np.geomspace(1, total, count)).astype(int)))


def _seed(task: SimTask) -> int:
    """The training seed of a draw: from (seed, draw) only, so a point's draw does not depend on the sweep."""
    return int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])


def _same_dim(point: Mapping[str, float], d: int) -> bool:
    """A marker exists only at the dimension of its theory curve (the theory is that D's spectrum)."""
    return int(point["dim"]) == d


def _learning_curve(config, steps: Sequence[int], read: Callable[[Any], Mapping[str, float]]) -> dict[str, list]:
    """Train ``config`` (one torch thread) and ``read`` the model before each of ``steps`` (0 = initial, the last
    may equal config.steps); returns each read quantity as a list aligned with ``steps``."""
    from icl_sym.sim.bordelon2025 import train
    from icl_sym.sim.devices import torch_threads

    wanted = set(steps)
    seen: dict[int, Mapping[str, float]] = {}

    def observer(step: int, model) -> None:
        if step in wanted:
            seen[step] = read(model)

    with torch_threads(1):  # small matrices: threads only contend (a worker process may have been given more)
        train(config, observer=observer)
    return {name: [seen[s][name] for s in steps] for name in seen[steps[0]]}


def _steps_of_times(config, times: Sequence[float]) -> list[int]:
    """The SGD steps at which ``config`` (constant rate) reaches the flow ``times``; each time must be one."""
    from icl_sym.sim.bordelon2025 import flow_time

    per_step = flow_time(config, 1)
    steps = [int(round(t / per_step)) for t in times]
    for t, s in zip(times, steps):
        if not math.isclose(s * per_step, t, rel_tol=1e-9):
            raise ValueError(f"flow time {t} is no whole number of SGD steps (one step is {per_step})")
    return steps


def _loss_reader(config, contexts: int) -> Callable[[Any], dict[str, float]]:
    from icl_sym.sim.bordelon2025 import evaluate

    return lambda model: {"loss": evaluate(model, config, contexts=contexts)[0]}


# --- Fig. 3: FS ---------------------------------------------------------------------------------------------------

#: Fig. 3's FS runs (the paper's parameters): D = 128, ν = β = 1.25, online SGD for 25000 steps at η = 0.5 and
#: B = 256 on the population covariance, so the per-mode flow time is t = ηs (training.flow_time for FS); (c)
#: rotates Σ by exp(θS) with S from seed 0.
FIG3 = dict(dim=128, nu=1.25, beta=1.25, lr=0.5, batch=256, steps=25_000, depths=(1, 2, 4, 8), gamma_depth=4,
            modes=(1, 2, 4, 8, 16), theta_max=0.25, skew_seed=0)
#: Per mode: the dimension of curves and markers, the SGD steps of the markers, and how many times they read.
FIG3_MODES = {"quick": dict(dim=32, steps=2000, marks=8), "full": dict(dim=128, steps=25_000, marks=12)}
#: Monte Carlo test contexts per read of the loss (FS: the variance comes only from the task signs).
FIG3_SIMULATION = {"quick": dict(dims=(FIG3_MODES["quick"]["dim"],), draws=2, contexts=500),
                   "full": dict(dims=(FIG3_MODES["full"]["dim"],), draws=2, contexts=4000)}


def _fs_spectrum(dim: int):
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    return power_law_spectrum(int(dim), FIG3["nu"], FIG3["beta"])


def fs_theory_loss(time, depth, dim):
    """Result 4's FS loss at flow time ``time`` on the ``dim``-mode spectrum of Fig. 3 (α = ∞)."""
    from icl_sym.theories.bordelon2025.fixed_structure import fs_loss

    s = _fs_spectrum(dim)
    return fs_loss(time, int(depth), s.eigenvalues, s.weights)


def fs_theory_gamma(time, depth, dim, mode: int):
    """γ_k(t) of Result 4 for mode k = ``mode`` on the ``dim``-mode spectrum of Fig. 3."""
    from icl_sym.theories.bordelon2025.fixed_structure import fs_gamma

    s = _fs_spectrum(dim)
    return fs_gamma(time, int(depth), s.eigenvalues, s.weights)[..., mode - 1]


def train_fs(task: SimTask) -> dict[str, Any]:
    """One draw: the reduced-Γ model trained on FS data at α = ∞ (D = ``task.d``, seeded by (seed, draw)); its
    test loss and the diagonal entries γ_k = Γ_kk (the eigenvalues: Γ stays diagonal in Σ's basis, Result 4) at
    the flow times of ``task.sweep``."""
    from icl_sym.sim.bordelon2025 import TrainConfig

    _, times = task.sweep
    p = task.params
    probe = TrainConfig(setting="fs", dim=task.d, alpha=math.inf, depth=int(p["depth"]), lr=FIG3["lr"], steps=1,
                        batch=FIG3["batch"], nu=FIG3["nu"], beta=FIG3["beta"], seed=_seed(task), device=task.device)
    steps = _steps_of_times(probe, times)
    config = dataclasses.replace(probe, steps=max(steps))
    loss = _loss_reader(config, max(task.contexts, 2))

    def read(model) -> dict[str, float]:
        diagonal = model.effective_gammas().detach()[0].diagonal()
        return {**loss(model), **{f"gamma_{k}": float(diagonal[k - 1]) for k in FIG3["modes"]}}

    return _learning_curve(config, steps, read)


FS_LAYOUT = SimulationLayout(
    parameters=("time", "depth", "dim"),
    quantities={"loss": fs_theory_loss, **{f"gamma_{k}": partial(fs_theory_gamma, mode=k) for k in FIG3["modes"]}},
    estimators={"fs": Estimator("fs", "trained reduced Γ (SGD)", train_fs, feasible=_same_dim)},
    symbols={"time": "t"},
)


def fig3(mode: str) -> FigureData:
    """FS (Fig. 3): (a) eigenvalues γ_k(t) of Γ at L = 4 (Result 4) with the L = ∞ solution dashed; (b) the loss
    against flow time for L = 1, 2, 4, 8, all with the corrected exponent νβ/(νβ + 2ν + 1) (the paper prints
    β/(ν + νβ + 1)); (c) Result 5: the converged Γ = LΣ⁻¹ under the shifted covariance Σ' = exp(θS) Σ exp(−θS),
    S = (G − Gᵀ)/(2√D) with Gaussian G (seed 0), against θ. Markers on (a) and (b): the trained Γ (its diagonal)
    and test loss at the flow times t = ηs (one run per depth and draw serves both panels)."""
    from icl_sym.theories.bordelon2025.fixed_structure import (
        fs_gamma, fs_ood_loss, fs_time_exponent, rotated_covariance,
    )

    f, m = FIG3, FIG3_MODES[mode]
    dim = m["dim"]
    n = 40 if mode == "quick" else 200
    s = _fs_spectrum(dim)
    times = np.logspace(-1, np.log10(f["lr"] * f["steps"]), n)
    marks = tuple(f["lr"] * k for k in record_steps(m["steps"], m["marks"]))
    panel_a = Panel(f"(a) eigenvalues of Γ, L = {f['gamma_depth']}, D = {dim}", "flow time t", "γ_k", ylog=True,
                    key="a", quantity="gamma_1", xparam="time")
    finite = fs_gamma(times, f["gamma_depth"], s.eigenvalues, s.weights)
    infinite = fs_gamma(times, np.inf, s.eigenvalues, s.weights)
    for k in f["modes"]:
        panel_a.curves.append(Curve(f"k = {k}", times, finite[:, k - 1], dict(depth=f["gamma_depth"], dim=dim),
                                    (Markers("fs", marks, trajectory=True, quantity=f"gamma_{k}"),)))
    for k in f["modes"]:
        panel_a.curves.append(Curve(f"(L = ∞) k = {k}", times, infinite[:, k - 1]))
    panel_b = Panel(f"(b) loss, ν = β = {f['nu']:g}", "flow time t", "test error", ylog=True, key="b",
                    quantity="loss", xparam="time", theory=fs_theory_loss)
    for depth in f["depths"]:
        panel_b.curve(f"L = {depth}", times, dict(depth=depth, dim=dim), (Markers("fs", marks, trajectory=True),))
    exponent = fs_time_exponent(f["nu"], f["beta"])
    end = panel_b.curves[0].y[-1]
    panel_b.curves.append(Curve(f"(ref) t^-{exponent:.3g}", times, end * (times / times[-1]) ** -exponent))
    panel_c = Panel("(c) shifted covariance (Result 5)", "θ", "OOD loss", xlog=False, ylog=True, key="c")
    rng = np.random.default_rng(np.random.SeedSequence(f["skew_seed"]))
    g = rng.standard_normal((dim, dim))
    skew = (g - g.T) / (2 * np.sqrt(dim))
    sigma, omega = np.diag(s.eigenvalues), np.diag(s.weights)
    thetas = np.linspace(0, f["theta_max"], 11 if mode == "quick" else 251)[1:]  # θ = 0 has loss 0 (log axis)
    shifted = [rotated_covariance(sigma, skew, th) for th in thetas]
    for depth in f["depths"]:
        panel_c.curves.append(Curve(f"L = {depth}", thetas,
                                    np.array([fs_ood_loss(sigma, sp, omega, depth) for sp in shifted])))
    return FigureData("bordelon2025.fig3", f"Bordelon et al. Fig. 3: FS, depth gives no asymptotic benefit (D = {dim})",
                      [panel_a, panel_b, panel_c], FS_LAYOUT)


# --- Fig. 4: RRS power law ----------------------------------------------------------------------------------------

#: Fig. 4's runs (reduced-Γ model, RRS power law; the paper's parameters): (a) varying β at L = 8, tied, B = 256
#: (the paper samples P = 512 contexts; the theory and the markers here are at α = ∞), (b) the landscape, (c)
#: untied layers trained with one rate η per layer (the authors' R1 setting) on P = 512 sampled contexts, B = 512.
FIG4 = dict(a=dict(dim=64, nu=1.5, betas=(0.5, 0.75, 1.0, 1.5, 2.0, 4.0), depth=8, lr=5.0, steps=2000, batch=256),
            b=dict(dim=64, nu=1.5, beta=0.8, depths=(1, 2, 4, 8, 16, 32, 64)),
            c=dict(dim=45, context=512, nu=1.75, beta=0.5, depths=(1, 2, 4, 8, 16), lr=3.0, steps=20_000,
                   batch=512))
#: Per mode: the dimensions, SGD steps and batches of (a) and (c), and how many times the markers read.
FIG4_MODES = {"quick": dict(a_dim=16, a_steps=500, a_batch=64, c_dim=16, c_steps=1000, c_batch=128, marks=7),
              "full": dict(a_dim=64, a_steps=2000, a_batch=256, c_dim=45, c_steps=20_000, c_batch=512, marks=10)}
FIG4_SIMULATION = {"quick": dict(dims=(16,), draws=2, contexts=2000), "full": dict(dims=(64, 45), draws=2,
                                                                                  contexts=10_000)}


def rrs_flow_loss(times, depth: int, dim: int, nu: float, beta: float) -> np.ndarray:
    """Result 6 at α = ∞: the loss of gradient flow from Γ = 0 at the flow times ``times`` (power-law spectrum)."""
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_gamma, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    s = power_law_spectrum(dim, nu, beta)
    return rrs_loss(rrs_gamma(np.asarray(times, dtype=float), depth, s.eigenvalues, s.weights), depth,
                    s.eigenvalues, s.weights)


@lru_cache(maxsize=32)
def _landscape(dim: int, context: int, depth: int, nu: float, beta: float):
    """The finite-context Γ = γI landscape of the authors' comparison (Monte Carlo: ``authors.MC_CONTEXTS``
    contexts, seed ``authors.MC_SEED``)."""
    from icl_sym.sim.bordelon2025.data import make_spec
    from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape

    from .authors import MC_CONTEXTS, MC_SEED  # imported here: ``python -m ...authors`` must find it unloaded

    spec = make_spec("rrs", dim, context / dim, nu=nu, beta=beta)
    return IsotropicLandscape(spec, depth, contexts=MC_CONTEXTS, seed=MC_SEED)


def rrs_learning_curve(steps, depth, beta, nu, dim, context, lr, untied, batch=None):
    """The reduced-Γ RRS loss after ``steps`` SGD steps of rate ``lr`` in its mean-field (gradient-flow) limit.

    Tied layers (``untied`` = 0) reach flow time t = ηs/D; untied layers at one rate η each stay balanced and
    follow the tied flow at rate η/L, t = ηs/(DL) (docs/theory/bordelon2025.md, "Finite context: the Γ = γI flow
    by Monte Carlo"). ``context`` = inf is Result 6 at α = ∞; a finite P is the flow on the Monte Carlo landscape
    of P sampled contexts. ``batch`` (the markers' SGD batch) does not enter: the flow is the B → ∞ limit.
    """
    dim, depth, untied = int(dim), int(depth), bool(untied)
    times = lr * np.asarray(steps, dtype=float) / (dim * (depth if untied else 1))
    if math.isinf(context):
        return rrs_flow_loss(times, depth, dim, nu, beta).reshape(np.shape(times))
    landscape = _landscape(dim, int(context), depth, float(nu), float(beta))
    values = np.array([landscape.loss(g) for g in landscape.flow(np.atleast_1d(times))])
    return values.reshape(np.shape(times))


def train_rrs(task: SimTask) -> dict[str, Any]:
    """One draw: the reduced-Γ model trained on RRS data (D = ``task.d``, seeded by (seed, draw)), tied or untied
    at one rate η per layer (config rate η/L: the model's untied layers move at L × its rate, App. G.1), on the
    population covariance or P sampled contexts; its test loss after each SGD step count of ``task.sweep``."""
    from icl_sym.sim.bordelon2025 import TrainConfig

    _, steps = task.sweep
    p = task.params
    depth, untied = int(p["depth"]), bool(p["untied"])
    alpha = math.inf if math.isinf(p["context"]) else p["context"] / task.d
    config = TrainConfig(setting="rrs", dim=task.d, alpha=alpha, depth=depth, tied=not untied,
                         lr=p["lr"] / depth if untied else p["lr"], steps=int(max(steps)), batch=int(p["batch"]),
                         nu=p["nu"], beta=p["beta"], seed=_seed(task), device=task.device)
    return _learning_curve(config, [int(s) for s in steps], _loss_reader(config, max(task.contexts, 2)))


RRS_LAYOUT = SimulationLayout(
    parameters=("steps", "depth", "beta", "nu", "dim", "context", "lr", "untied", "batch"),
    quantities={"loss": rrs_learning_curve},
    estimators={"rrs": Estimator("rrs", "trained reduced Γ (SGD)", train_rrs, feasible=_same_dim)},
    symbols={"steps": "s"},
)


def fig4(mode: str) -> FigureData:
    """RRS power law, reduced-Γ model (Fig. 4): (a) learning curves for several source exponents β at L = 8
    against SGD steps s (tied, flow time t = ηs/D, α = ∞; the paper samples P = 512) with s^{−β/(2+β)} matched at
    the end; (b) the landscape 𝓛(γ) by depth up to the edge of stability γ = 2L/λ₁, minima near γ ≈ 1.8 L/λ₁;
    (c) learning curves by depth for untied layers at one rate η each and P = 512 sampled contexts, on the
    finite-P flow of Γ = γI at t = ηs/(DL) (docs/theory/bordelon2025.md, "Finite context: the Γ = γI flow by
    Monte Carlo", which meets the authors' stored final losses), with the reference 0.6 s^{−β/(2+β)}. Markers on
    (a) and (c): the trained model's test loss (quick mode at D = 16 for both panels)."""
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    n = 40 if mode == "quick" else 200
    a, b, c, m = FIG4["a"], FIG4["b"], FIG4["c"], FIG4_MODES[mode]
    panel_a = Panel(f"(a) L = {a['depth']}, ν = {a['nu']:g}, D = {m['a_dim']}: varying β", "SGD steps s",
                    "test error", ylog=True, key="a", quantity="loss", xparam="steps", theory=rrs_learning_curve)
    steps = np.logspace(0, np.log10(m["a_steps"]), n)
    marks_a = record_steps(m["a_steps"], m["marks"])
    for beta in a["betas"]:
        params = dict(depth=a["depth"], beta=beta, nu=a["nu"], dim=m["a_dim"], context=math.inf, lr=a["lr"],
                      untied=0, batch=m["a_batch"])
        panel_a.curve(f"β = {beta:g}", steps, params, (Markers("rrs", marks_a, trajectory=True),))
    for beta, curve in zip(a["betas"], list(panel_a.curves)):  # references after the curves: distinct colours
        exponent = beta / (2 + beta)
        panel_a.curves.append(Curve(f"(ref) s^-{exponent:.3g}", steps,
                                    curve.y[-1] * (steps / steps[-1]) ** -exponent))
    panel_b = Panel(f"(b) landscape, ν = {b['nu']:g}, β = {b['beta']:g}", "γ", "loss", ylog=True, key="b")
    gammas = np.logspace(-2, 3, 100 if mode == "quick" else 500)
    sb = power_law_spectrum(b["dim"], b["nu"], b["beta"])
    for depth in b["depths"]:  # up to the edge of stability γλ₁/L = 2, beyond which the loss explodes
        stable = gammas[gammas * sb.eigenvalues.max() / depth <= 2]
        panel_b.curves.append(Curve(f"L = {depth}", stable, rrs_loss(stable, depth, sb.eigenvalues, sb.weights)))
    panel_c = Panel(f"(c) untied, η = {c['lr']:g} per layer, P = {c['context']}\nD = {m['c_dim']}, ν = {c['nu']:g}, "
                    f"β = {c['beta']:g}", "SGD steps s", "test error", ylog=True, key="c", quantity="loss",
                    xparam="steps", theory=rrs_learning_curve)
    steps = np.logspace(0, np.log10(m["c_steps"]), n)
    marks_c = record_steps(m["c_steps"], m["marks"])
    for depth in c["depths"]:
        params = dict(depth=depth, beta=c["beta"], nu=c["nu"], dim=m["c_dim"], context=c["context"], lr=c["lr"],
                      untied=1, batch=m["c_batch"])
        panel_c.curve(f"L = {depth}", steps, params, (Markers("rrs", marks_c, trajectory=True),))
    exponent = c["beta"] / (2 + c["beta"])
    panel_c.curves.append(Curve(f"(ref) 0.6 s^-{exponent:.3g}", steps, 0.6 * steps**-exponent))
    return FigureData("bordelon2025.fig4", "Bordelon et al. Fig. 4: RRS power law, depth sets the floor",
                      [panel_a, panel_b, panel_c], RRS_LAYOUT)


# --- Fig. 8: untied layers ----------------------------------------------------------------------------------------

#: Fig. 8's runs (App. G.1; the paper's parameters): RRS on the population covariance, D = 128, ν = 1.25,
#: β = 0.75, B = 256, 10000 steps at η = 4 with the per-layer rate ηL (the model's untied rate at lr η), so the
#: flow time is the tied t = ηs/D; γ^ℓ of panel (b) at every depth.
FIG8 = dict(dim=128, nu=1.25, beta=0.75, lr=4.0, batch=256, steps=10_000, depths=(1, 2, 4, 8))
FIG8_MODES = {"quick": dict(dim=16, steps=1000, batch=64, marks=7), "full": dict(dim=128, steps=10_000, batch=256,
                                                                                marks=10)}
FIG8_SIMULATION = {"quick": dict(dims=(FIG8_MODES["quick"]["dim"],), draws=2, contexts=2000),
                   "full": dict(dims=(FIG8_MODES["full"]["dim"],), draws=2, contexts=10_000)}


def _fig8_spectrum(dim: int):
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    return power_law_spectrum(int(dim), FIG8["nu"], FIG8["beta"])


def tied_flow_loss(time, depth, dim, batch=None):
    """Result 6 (α = ∞) on Fig. 8's ``dim``-mode spectrum at flow time ``time``; ``batch`` (the markers') unused."""
    return rrs_flow_loss(time, int(depth), int(dim), FIG8["nu"], FIG8["beta"]).reshape(np.shape(time))


def tied_flow_gamma(time, depth, dim, batch=None):
    """γ(t) of the tied Result-6 flow on Fig. 8's ``dim``-mode spectrum: every balanced layer's γ^ℓ (App. G.1)."""
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_gamma

    s = _fig8_spectrum(dim)
    return rrs_gamma(np.asarray(time, dtype=float), int(depth), s.eigenvalues, s.weights).reshape(np.shape(time))


def train_untied(task: SimTask) -> dict[str, Any]:
    """One draw: untied reduced-Γ layers on RRS data at α = ∞ (D = ``task.d``, per-layer rate ηL, seeded by (seed,
    draw)); at the flow times of ``task.sweep`` its test loss and each layer's γ^ℓ = tr Γ_ℓ/D, summarised as the
    smallest, the largest and their spread (max − min)/mean over layers."""
    from icl_sym.sim.bordelon2025 import TrainConfig

    _, times = task.sweep
    p = task.params
    probe = TrainConfig(setting="rrs", dim=task.d, alpha=math.inf, depth=int(p["depth"]), tied=False, lr=FIG8["lr"],
                        steps=1, batch=int(p["batch"]), nu=FIG8["nu"], beta=FIG8["beta"], seed=_seed(task),
                        device=task.device)
    steps = _steps_of_times(probe, times)
    config = dataclasses.replace(probe, steps=max(steps))
    loss = _loss_reader(config, max(task.contexts, 2))

    def read(model) -> dict[str, float]:
        layers = model.effective_gammas().detach().diagonal(dim1=-2, dim2=-1).mean(-1)  # tr Γ_ℓ / D
        low, high, mean = float(layers.min()), float(layers.max()), float(layers.mean())
        return {**loss(model), "gamma_min": low, "gamma_max": high,
                "gamma_spread": (high - low) / mean if mean > 0 else 0.0}

    return _learning_curve(config, steps, read)


UNTIED_LAYOUT = SimulationLayout(
    parameters=("time", "depth", "dim", "batch"),
    quantities={"loss": tied_flow_loss, "gamma_min": tied_flow_gamma, "gamma_max": tied_flow_gamma},
    estimators={"untied": Estimator("untied", "trained untied Γ_ℓ (SGD)", train_untied, feasible=_same_dim)},
    extras=("gamma_spread",),
    symbols={"time": "t"},
)


def fig8(mode: str) -> FigureData:
    """Untied layers (Fig. 8, App. G.1): (a) the loss against flow time t = ηs/D for L = 1, 2, 4, 8 trained with
    per-layer rate ηL, on the tied Result-6 flow, with t^{−β/(β+2)} matched at the end; (b) the per-layer steps
    γ^ℓ(t) = tr Γ_ℓ/D stay balanced: their smallest and largest over layers (markers) lie on the tied γ(t)."""
    f, m = FIG8, FIG8_MODES[mode]
    dim = m["dim"]
    n = 40 if mode == "quick" else 200
    t_end = f["lr"] * m["steps"] / dim
    times = np.logspace(-1, np.log10(t_end), n)
    marks = tuple(f["lr"] * s / dim for s in record_steps(m["steps"], m["marks"]))
    panel_a = Panel(f"(a) untied, ν = {f['nu']:g}, β = {f['beta']:g}, D = {dim}", "flow time t = ηs/D",
                    "test error", ylog=True, key="a", quantity="loss", xparam="time", theory=tied_flow_loss)
    panel_b = Panel("(b) per-layer γ^ℓ: min and max over layers", "flow time t = ηs/D", "γ", ylog=True, key="b",
                    quantity="gamma_min", xparam="time", theory=tied_flow_gamma)
    for depth in f["depths"]:
        params = dict(depth=depth, dim=dim, batch=m["batch"])
        panel_a.curve(f"L = {depth}", times, params, (Markers("untied", marks, trajectory=True),))
        panel_b.curve(f"L = {depth}: tied γ(t)", times, params,
                      (Markers("untied", marks, trajectory=True, quantity="gamma_min"),
                       Markers("untied", marks, trajectory=True, quantity="gamma_max")))
    exponent = f["beta"] / (f["beta"] + 2)
    end = panel_a.curves[-1].y[-1]  # the deepest curve: the shallow ones have reached their depth floor
    panel_a.curves.append(Curve(f"(ref) t^-{exponent:.3g}", times, end * (times / times[-1]) ** -exponent))
    return FigureData("bordelon2025.fig8", "Bordelon et al. Fig. 8: untied layers learn as the tied model",
                      [panel_a, panel_b], UNTIED_LAYOUT)
