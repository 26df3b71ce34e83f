"""Figure recipes of Bordelon, Letey, Pehlevan (2026), Figs. 1(c) and 2: ISO depth and the loss landscape.

``fig1``: the optimal L-step ISO loss against α for several depths (Result 2), with the final test error of the
reduced-Γ model trained by online SGD at finite D as markers (the paper trains its linear transformer; the
reduced model converges to the same optimum, see docs/theory/bordelon2025.md, "Simulation"). The residual panel
(sim − theory)·D shows the O(1/D) finite-size gap. ``fig2``: the loss landscape ℓ(γ) of Γ = γI against γ/L
(theory only). Drawing, storing and resuming are generic (:mod:`icl_sym.experiments.figure`).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from .figure import Curve, Estimator, FigureData, FigureRecipe, Markers, Panel, SimTask, SimulationLayout

__all__ = ["LAYOUT", "FIGURES", "fig1", "fig2", "fig3", "fig4", "fig6", "TRAINING", "FIG3", "FIG4", "FIG6"]

#: Online-SGD protocol of the markers: steps, batch and the rate as a fraction of D, decaying over the last half;
#: flow time t = 2 × 0.0625 × 0.75 × steps = 75 (converged for L ≤ 4). The rate is small because at D = 8 single
#: contexts with eigenvalues far beyond the Marchenko–Pastur edge give gradient spikes: η = D/8 diverged at
#: α = 0.5, L = 4 (the optimal step puts cλ₊ = 1 + 2√α/(1+α) just below 2 for every α).
TRAINING = dict(steps=800, batch=64, lr_over_dim=0.0625, decay=0.5)


def iso_loss(alpha, depth) -> np.ndarray:
    """ℓ⋆(α, L), the optimal L-step ISO loss (Result 2): the theory every marker tends to as D → ∞."""
    from icl_sym.theories.bordelon2025.iso import iso_optimal_loss

    return iso_optimal_loss(alpha, int(depth))


def train_reduced(task: SimTask) -> dict[str, Any]:
    """One draw: the reduced-Γ model trained at D = ``task.d`` (seeded by (seed, draw)), scored on fresh contexts."""
    from icl_sym.sim.bordelon2025 import TrainConfig, evaluate, train
    from icl_sym.sim.devices import torch_threads

    p = task.params
    seed = int(np.random.SeedSequence((task.seed, task.draw)).generate_state(1)[0])
    config = TrainConfig(setting="iso", dim=task.d, alpha=p["alpha"], depth=int(p["depth"]), steps=TRAINING["steps"],
                         lr=TRAINING["lr_over_dim"] * task.d, batch=TRAINING["batch"], decay=TRAINING["decay"],
                         seed=seed, device=task.device)
    with torch_threads(1):  # small matrices: threads only contend (a worker process may have been given more)
        loss, _ = evaluate(train(config).model, config, contexts=max(task.contexts, 2))
    return dict(loss=loss, context=round(p["alpha"] * task.d))


def _feasible(point: Mapping[str, float], d: int) -> bool:
    return round(point["alpha"] * d) >= 1


LAYOUT = SimulationLayout(
    parameters=("alpha", "depth"),
    quantities={"loss": iso_loss},
    estimators={"reduced": Estimator("reduced", "trained reduced-Γ model", train_reduced, feasible=_feasible)},
    extras=("context",),
    symbols={"alpha": "α", "depth": "L"},
)

#: Simulated α of Fig. 1(c) (a subset of the paper's P/D, within the quick budget).
FIG1_ALPHA_SIM = (1.0, 2.0, 4.0)


def fig1(mode: str) -> FigureData:
    """ISO: optimal loss against α for L = 1, 2, 4, 8, 16 and ∞ (Result 2; Fig. 1(c)); trained markers for L ≤ 2
    (quick: at D ∈ {8, 16} online SGD at L = 4, α = 1 diverged even at η = D/16) or L ≤ 4 (full, D ∈ {32, 64})."""
    alpha = np.logspace(np.log10(0.25), np.log10(8), 40 if mode == "quick" else 200)
    panel = Panel("C: final ISO loss against α", "α = P/D", "test error", ylog=True, key="C", quantity="loss",
                  xparam="alpha", theory=iso_loss)
    for depth in (1, 2, 4, 8, 16):
        markers = (Markers("reduced", FIG1_ALPHA_SIM),) if depth <= (2 if mode == "quick" else 4) else ()
        panel.curve(f"L = {depth}", alpha, dict(depth=depth), markers)
    below = alpha[alpha < 1]  # (1 − α)₊ vanishes for α ≥ 1: nothing to draw on a log axis there
    panel.curves.append(Curve("L = ∞: (1 − α)₊", below, 1 - below))
    return FigureData("bordelon2025.fig1", "Bordelon et al. Fig. 1(c): depth helps most near α = 1", [panel], LAYOUT)


def fig2(mode: str) -> FigureData:
    """ISO landscape ℓ(γ) − σ² of Γ = γI against γ/L (Fig. 2): (a) α = 0.5, (b) α = 2, (c) noise at L = 16."""
    from icl_sym.theories.bordelon2025.iso import iso_reducible_loss

    step = np.linspace(0.0, 1.0, 60 if mode == "quick" else 300)

    def landscape(alpha: float, depth: int, sigma2: float = 0.0) -> np.ndarray:
        return np.array([iso_reducible_loss(c * depth, alpha, depth, sigma2) for c in step])

    panels = []
    for key, alpha in (("a", 0.5), ("b", 2.0)):
        panel = Panel(f"({key}) α = {alpha:g}", "γ/L", "loss", xlog=False, ylog=True, key=key)
        for depth in (1, 2, 4, 8, 16, 32):
            panel.curves.append(Curve(f"L = {depth}", step, landscape(alpha, depth)))
        panels.append(panel)
    panel = Panel("(c) α = 1.125, L = 16", "γ/L", "loss − σ²", xlog=False, ylog=True, key="c")
    for sigma in (0.0, 0.25, 0.5, 0.75, 1.0):
        panel.curves.append(Curve(f"σ = {sigma:g}", step, landscape(1.125, 16, sigma**2)))
    panels.append(panel)
    return FigureData("bordelon2025.fig2", "Bordelon et al. Fig. 2: ISO loss landscape", panels)


#: Fig. 3's FS runs (the paper's parameters): D = 128, ν = β = 1.25, online SGD for 25000 steps at η = 0.5, so the
#: per-mode flow time is t = ηT (training.flow_time for FS); (c) rotates Σ by exp(θS) with S from seed 0.
FIG3 = dict(dim=128, nu=1.25, beta=1.25, lr=0.5, steps=25_000, depths=(1, 2, 4, 8), gamma_depth=4,
            modes=(1, 2, 4, 8, 16), theta_max=0.25, skew_seed=0)


def fig3(mode: str) -> FigureData:
    """FS (Fig. 3; theory only): (a) eigenvalues γ_k(t) of Γ at L = 4 (Result 4) with the L = ∞ solution dashed;
    (b) the loss against flow time for L = 1, 2, 4, 8, all with the corrected exponent νβ/(νβ + 2ν + 1) (the
    paper prints β/(ν + νβ + 1)); (c) Result 5: the converged Γ = LΣ⁻¹ under the shifted covariance
    Σ' = exp(θS) Σ exp(−θS), S = (G − Gᵀ)/(2√D) with Gaussian G (seed 0), against θ."""
    from icl_sym.theories.bordelon2025.fixed_structure import (
        fs_gamma, fs_loss, fs_ood_loss, fs_time_exponent, rotated_covariance,
    )
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    f = FIG3
    n = 40 if mode == "quick" else 200
    s = power_law_spectrum(f["dim"], f["nu"], f["beta"])
    times = np.logspace(-1, np.log10(f["lr"] * f["steps"]), n)
    panel_a = Panel(f"(a) eigenvalues of Γ, L = {f['gamma_depth']}", "flow time t", "γ_k", ylog=True, key="a")
    finite = fs_gamma(times, f["gamma_depth"], s.eigenvalues, s.weights)
    infinite = fs_gamma(times, np.inf, s.eigenvalues, s.weights)
    for k in f["modes"]:
        panel_a.curves.append(Curve(f"k = {k}", times, finite[:, k - 1]))
    for k in f["modes"]:
        panel_a.curves.append(Curve(f"(L = ∞) k = {k}", times, infinite[:, k - 1]))
    panel_b = Panel(f"(b) loss, ν = β = {f['nu']:g}", "flow time t", "test error", ylog=True, key="b")
    for depth in f["depths"]:
        panel_b.curves.append(Curve(f"L = {depth}", times, fs_loss(times, depth, s.eigenvalues, s.weights)))
    exponent = fs_time_exponent(f["nu"], f["beta"])
    end = panel_b.curves[0].y[-1]
    panel_b.curves.append(Curve(f"(ref) t^-{exponent:.3g}", times, end * (times / times[-1]) ** -exponent))
    panel_c = Panel("(c) shifted covariance (Result 5)", "θ", "OOD loss", xlog=False, ylog=True, key="c")
    rng = np.random.default_rng(np.random.SeedSequence(f["skew_seed"]))
    g = rng.standard_normal((f["dim"], f["dim"]))
    skew = (g - g.T) / (2 * np.sqrt(f["dim"]))
    sigma, omega = np.diag(s.eigenvalues), np.diag(s.weights)
    thetas = np.linspace(0, f["theta_max"], 11 if mode == "quick" else 251)[1:]  # θ = 0 has loss 0 (log axis)
    shifted = [rotated_covariance(sigma, skew, th) for th in thetas]
    for depth in f["depths"]:
        panel_c.curves.append(Curve(f"L = {depth}", thetas,
                                    np.array([fs_ood_loss(sigma, sp, omega, depth) for sp in shifted])))
    return FigureData("bordelon2025.fig3", "Bordelon et al. Fig. 3: FS, depth gives no asymptotic benefit",
                      [panel_a, panel_b, panel_c])


#: Fig. 4's runs (reduced-Γ model, RRS power law; the paper's parameters): (a) varying β at L = 8, (b) the
#: landscape, (c) untied layers trained with one rate η per layer (the authors' R1 setting).
FIG4 = dict(a=dict(dim=64, nu=1.5, betas=(0.5, 0.75, 1.0, 1.5, 2.0, 4.0), depth=8, lr=5.0, steps=2000),
            b=dict(dim=64, nu=1.5, beta=0.8, depths=(1, 2, 4, 8, 16, 32, 64)),
            c=dict(dim=45, nu=1.75, beta=0.5, depths=(1, 2, 4, 8, 16), lr=3.0, steps=20_000))


def rrs_flow_loss(times, depth: int, dim: int, nu: float, beta: float) -> np.ndarray:
    """Result 6 at α = ∞: the loss of gradient flow from Γ = 0 at the flow times ``times`` (power-law spectrum)."""
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_gamma, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    s = power_law_spectrum(dim, nu, beta)
    return rrs_loss(rrs_gamma(np.asarray(times, dtype=float), depth, s.eigenvalues, s.weights), depth,
                    s.eigenvalues, s.weights)


def fig4(mode: str) -> FigureData:
    """RRS power law, reduced-Γ model (Fig. 4; theory only): (a) learning curves for several source exponents β at
    L = 8 against flow time, with t^{−β/(2+β)} matched at the end; (b) the landscape 𝓛(γ) by depth up to the
    edge of stability γ = 2L/λ₁, minima near γ ≈ 1.8 L/λ₁; (c) learning curves by depth against SGD steps s for
    untied layers at one rate η each, whose flow time is t = ηs/(DL) (docs/theory/bordelon2025.md, "Finite context: the Γ = γI flow by Monte Carlo"), with
    the reference 0.6 t^{−β/(2+β)}. All at α = ∞ (Result 6); the paper's runs sample P = 512 contexts."""
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    n = 40 if mode == "quick" else 200
    a, b, c = FIG4["a"], FIG4["b"], FIG4["c"]
    panel_a = Panel(f"(a) L = {a['depth']}, ν = {a['nu']:g}: varying β", "flow time t", "test error", ylog=True,
                    key="a")
    times = np.logspace(-1, np.log10(a["lr"] * a["steps"] / a["dim"]), n)
    for beta in a["betas"]:
        loss = rrs_flow_loss(times, a["depth"], a["dim"], a["nu"], beta)
        panel_a.curves.append(Curve(f"β = {beta:g}", times, loss))
        exponent = beta / (2 + beta)
        panel_a.curves.append(Curve(f"(ref) t^-{exponent:.3g}", times, loss[-1] * (times / times[-1]) ** -exponent))
    panel_b = Panel(f"(b) landscape, ν = {b['nu']:g}, β = {b['beta']:g}", "γ", "loss", ylog=True, key="b")
    gammas = np.logspace(-2, 3, 100 if mode == "quick" else 500)
    sb = power_law_spectrum(b["dim"], b["nu"], b["beta"])
    for depth in b["depths"]:  # up to the edge of stability γλ₁/L = 2, beyond which the loss explodes
        stable = gammas[gammas * sb.eigenvalues.max() / depth <= 2]
        panel_b.curves.append(Curve(f"L = {depth}", stable, rrs_loss(stable, depth, sb.eigenvalues, sb.weights)))
    panel_c = Panel(f"(c) ν = {c['nu']:g}, β = {c['beta']:g}, untied, η = {c['lr']:g}", "SGD steps s",
                    "test error", ylog=True, key="c")
    steps = np.logspace(0, np.log10(c["steps"]), n)
    for depth in c["depths"]:
        flow = c["lr"] * steps / (c["dim"] * depth)
        panel_c.curves.append(Curve(f"L = {depth}", steps, rrs_flow_loss(flow, depth, c["dim"], c["nu"], c["beta"])))
    exponent = c["beta"] / (2 + c["beta"])
    panel_c.curves.append(Curve(f"(ref) 0.6 s^-{exponent:.3g}", steps, 0.6 * steps**-exponent))
    return FigureData("bordelon2025.fig4", "Bordelon et al. Fig. 4: RRS power law, depth sets the floor",
                      [panel_a, panel_b, panel_c])


#: Fig. 6(b): full linear attention on RRS power-law data, the paper's D = 80, ν = 1.25, β = 1.2 and init w = 0.45.
FIG6 = dict(dim=80, nu=1.25, beta=1.2, depths=(1, 2, 4, 8, 16), init=0.45)


def fig6(mode: str) -> FigureData:
    """Full linear attention and softmax (Fig. 6, panels b and c; panel a, the four-scalar ISO flow, is not drawn):
    (b) balanced full linear attention under RRS (Result 9): the loss of Result 6 at γ = 2w⁵ against the time the
    balanced flow takes from w = 0.45, with the reference t^{−5β/(5β+2)}; each curve stops at 0.1 % below the minimiser of its
    landscape, which the flow reaches only as t → ∞; (c) the authors' stored final losses of
    the softmax runs of Figs. 6(c) and 9 against depth, beside linear attention's optimal ℓ⋆(α = 2, L) (Result 2)
    as a dashed reference: the workbench has no theory of softmax attention."""
    from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    from .bordelon2025_authors import SOFTMAX_ALPHA, authors_values

    f = FIG6
    n = 40 if mode == "quick" else 200
    s = power_law_spectrum(f["dim"], f["nu"], f["beta"])
    gamma0 = 2 * f["init"] ** 5
    panel_b = Panel(f"(b) full linear attention, RRS, β = {f['beta']:g}", "flow time t", "test error", ylog=True,
                    key="b")
    for depth in f["depths"]:
        top = rrs_depth_floor(depth, s.eigenvalues, s.weights).gamma  # the flow approaches it as t → ∞
        gammas = np.geomspace(gamma0 * 1.01, top * (1 - 1e-3), n)
        times = full_attention_time_of_gamma(gammas, gamma0, depth, s.eigenvalues, s.weights)
        panel_b.curves.append(Curve(f"L = {depth}", times, rrs_loss(gammas, depth, s.eigenvalues, s.weights)))
    deepest = panel_b.curves[-1]
    exponent = 5 * f["beta"] / (5 * f["beta"] + 2)
    middle = len(deepest.x) // 2
    late = deepest.x[middle:]  # the power law holds after the initial plateau of the small initialisation
    panel_b.curves.append(Curve(f"(ref) t^-{exponent:.3g}", late,
                                deepest.y[middle] * (late / deepest.x[middle]) ** -exponent))
    panel_c = Panel("(c) softmax: authors' stored final losses", "depth L", "final loss", ylog=True, key="c")
    stored = authors_values()
    for key, label in (("fig6c", "authors: softmax (Fig. 6c)"), ("fig9", "authors: softmax + MLP (Fig. 9)")):
        rows = [v for v in stored if v.figure == key]
        panel_c.curves.append(Curve(label, np.array([v.depth for v in rows], dtype=float),
                                    np.array([v.final_loss for v in rows])))
    depths = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    reference = np.array([float(iso_loss(SOFTMAX_ALPHA, int(d))) for d in depths])
    panel_c.curves.append(Curve("(ref) linear attention ℓ⋆(α = 2, L)", depths, reference))
    return FigureData("bordelon2025.fig6", "Bordelon et al. Fig. 6: full linear attention and softmax",
                      [panel_b, panel_c])


#: Simulation sizes: quick trains at D ∈ {8, 16} with 2 draws (a few minutes on 2 cores), full at D ∈ {32, 64}.
SIMULATION = {"quick": dict(dims=(8, 16), draws=2, contexts=2000),
              "full": dict(dims=(32, 64), draws=4, contexts=10_000)}

#: The figures this theory declares (``icl-sym figure bordelon2025.figN``).
FIGURES: dict[str, FigureRecipe] = {
    r.name: r for r in (
        FigureRecipe("bordelon2025.fig1", fig1, "ISO final loss against α by depth, trained reduced-Γ markers",
                     simulation=SIMULATION),
        FigureRecipe("bordelon2025.fig2", fig2, "ISO loss landscape in γ/L (theory only)"),
        FigureRecipe("bordelon2025.fig3", fig3, "FS: eigen-dynamics, learning curves by depth, brittleness to a "
                     "shifted covariance (theory only)"),
        FigureRecipe("bordelon2025.fig6", fig6, "full linear attention under RRS (Result 9) and the authors' softmax "
                     "final losses (theory and stored values)"),
        FigureRecipe("bordelon2025.fig4", fig4, "RRS power law: learning curves by β and depth, landscape "
                     "(theory only)"),
    )
}
