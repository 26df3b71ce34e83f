"""Structured-covariance figures of Bordelon, Letey, Pehlevan (2026): Fig. 3 (fixed structure, FS) and Fig. 4
(randomly rotated structure, RRS, with power-law spectra).
"""

from __future__ import annotations

import numpy as np

from ..figure import Curve, FigureData, Panel

__all__ = ["FIG3", "FIG4", "fig3", "fig4", "rrs_flow_loss"]


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
