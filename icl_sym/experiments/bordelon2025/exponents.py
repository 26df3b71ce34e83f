"""RRS scaling exponents of Bordelon, Letey, Pehlevan (2026) fitted from simulated curves, with bootstrap confidence
intervals, against the derived ones (Result 8; App. F.1, F.2, F.4; docs/theory/bordelon2025.md, "RRS exponents
from simulation").

For each resource — time t, depth L, width N, context P — the reduced-Γ model is trained by online SGD on RRS
power-law data with the three other resources large or fixed, over several seeds; log(loss) is fitted against
log(size) and the slope gets a stratified bootstrap interval over seeds (:func:`icl_sym.core.fits.bootstrap_power_law`).
At a finite dimension D the slope over a finite range of sizes is not the asymptotic exponent, so the interval
is compared with

(i) the slope of the *finite-D theory* over the same sizes (it must lie inside the interval):
    time — Result 6's flow γ(t) at the same D and L; depth — the minimum over γ of Result 6's landscape
    (:func:`icl_sym.theories.bordelon2025.rotated_structure.rrs_depth_floor`); width — the minimum over γ of the
    projected landscape (:class:`icl_sym.sim.bordelon2025.width_landscape.ProjectedLandscape`); context — the
    minimum over γ of the finite-context landscape (:class:`icl_sym.sim.bordelon2025.landscape.IsotropicLandscape`),
    both Monte Carlo at the same D and L;
(ii) the asymptotic exponent (β/(2+β), β, νβ, νβ), whose distance from the interval is reported; and for width
     and context the slope over the same sizes of the App. F.4 deterministic-equivalent floors
     (:func:`icl_sym.theories.bordelon2025.bottlenecks.width_floor` and ``context_floor``);
(iii) a wrong law, which the interval must exclude: FS's time exponent, the width law νβ for depth, and for width
     and context the same finite-D floors at source exponent β/2.

Every interval is widened by :data:`SLOPE_ALLOWANCE` (see there) for the SGD bias the bootstrap cannot see.

Run ``python -m icl_sym.experiments.bordelon2025.exponents [--out results/bordelon2025]`` to write the table.
"""

from __future__ import annotations

import math
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from icl_sym.core.fits import BootstrapFit, bootstrap_power_law, fit_power_law
from icl_sym.sim.bordelon2025 import TrainConfig, evaluate, flow_time, make_spec, train
from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape, scan_minimum
from icl_sym.sim.bordelon2025.width_landscape import ProjectedLandscape
from icl_sym.sim.devices import torch_threads
from icl_sym.theories.bordelon2025.bottlenecks import context_floor, width_floor
from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

from ..reports import write_report

__all__ = ["NU", "BETA", "SEEDS", "ExponentComparison", "time_exponent", "depth_exponent", "width_exponent",
           "context_exponent", "all_exponents", "exponents_markdown", "main"]

#: Capacity and source exponents of every protocol (νβ = 1.5 ≠ β = 1: the width/context law is distinguishable
#: from the depth law).
NU, BETA = 1.5, 1.0
#: Systematic allowance on every fitted slope, added to each side of the bootstrap interval. The bootstrap resamples
#: seeds, so it measures the scatter of the SGD noise, not its mean: the noise frozen into the trained Γ lifts every
#: final loss a little above the gradient-flow floor (about 0.1 % at L = 1 in the depth protocol), and the finite
#: steps (flow time 0.5 per step in the time protocol) bend the learning curve off the flow. Both bias the slope by
#: 1e-4 to 1e-2, beyond bootstrap intervals a few 1e-3 wide or less (at α = ∞ the test error at Γ = γI is the same
#: for every context). The allowance stays well below the gaps to the wrong laws (docs/theory/bordelon2025.md).
SLOPE_ALLOWANCE = 0.01
#: The wrong source exponent of the width and context checks: at D = 16 the finite-D slopes over these sizes lie
#: near −β, so another resource's asymptotic law would not be a fair foil; the same floors at β/2 are.
WRONG_BETA = BETA / 2
#: Seeds of the simulated curves (the bootstrap resamples them).
SEEDS = (0, 1, 2)
#: Test contexts per final loss, and Monte Carlo contexts of the finite-D landscapes (enough that the theory's own
#: Monte Carlo error is small beside the simulated interval).
EVAL_CONTEXTS = 4000
MC_CONTEXTS = 40_000


@dataclass(frozen=True)
class ExponentComparison:
    """One resource: the sizes, the simulated slope with its bootstrap interval, the finite-D theory slope over the
    same sizes, the asymptotic slope (−exponent), an optional deterministic-equivalent slope, and a wrong slope
    (another law) that the interval should exclude."""

    resource: str
    law: str
    protocol: str
    sizes: tuple[float, ...]
    simulated: BootstrapFit
    finite_dim: float
    asymptotic: float
    wrong: float
    wrong_law: str
    deterministic: float | None = None
    losses: dict = field(default_factory=dict)
    allowance: float = 0.0

    @property
    def interval(self) -> tuple[float, float]:
        """The bootstrap interval widened by ``allowance`` on each side."""
        return self.simulated.low - self.allowance, self.simulated.high + self.allowance

    def covers(self, slope: float) -> bool:
        low, high = self.interval
        return low <= slope <= high

    @property
    def agrees(self) -> bool:
        """The finite-D theory slope lies inside the (widened) interval of the simulated slope."""
        return self.covers(self.finite_dim)

    @property
    def rejects_wrong(self) -> bool:
        return not self.covers(self.wrong)

    def distance(self, slope: float) -> float:
        """How far ``slope`` lies outside the (widened) interval (0 inside)."""
        low, high = self.interval
        return max(low - slope, slope - high, 0.0)


def _spectrum(dim: int):
    s = power_law_spectrum(dim, NU, BETA)
    return s.eigenvalues, s.weights


def _slope(x, y) -> float:
    return fit_power_law(x, y).slope if len(x) >= 6 else float(np.polyfit(np.log(x), np.log(y), 1)[0])


def _final_losses(configs: dict[float, list[TrainConfig]]) -> tuple[np.ndarray, np.ndarray, dict]:
    """Train every configuration; (sizes, final losses) flattened over seeds, and the mean loss per size."""
    xs, ys, means = [], [], {}
    for size, runs in configs.items():
        with torch_threads(1):  # small matrices: a second thread only contends
            values = [evaluate(train(c).model, c, EVAL_CONTEXTS)[0] for c in runs]
        xs += [size] * len(values)
        ys += values
        means[size] = float(np.mean(values))
    return np.array(xs, dtype=float), np.array(ys), means


# ---------------------------------------------------------------------------------------------------------
# the four protocols


def time_exponent(seeds=SEEDS, *, dim: int = 24, depth: int = 16, steps: int = 1000, lr: float = 12.0,
                  batch: int = 8, window=(10.0, 500.0)) -> ExponentComparison:
    """Time: training loss against flow time t = Σ η/D at depth 16 (its L^{-β} floor lies below the window),
    population covariance; finite-D theory Result 6's γ(t) at the same D and L."""
    curves, times = [], None
    for seed in seeds:
        config = TrainConfig(setting="rrs", dim=dim, alpha=math.inf, depth=depth, steps=steps, lr=lr, batch=batch,
                             nu=NU, beta=BETA, seed=seed)
        with torch_threads(1):
            curves.append(train(config).history)
        times = np.array([flow_time(config, s) for s in range(steps)])
    keep = (times >= window[0]) & (times <= window[1])
    t = times[keep]
    y = np.array(curves)[:, keep]
    fit = bootstrap_power_law(np.tile(t, len(seeds)), y.ravel())
    lam, omega = _spectrum(dim)
    theory = rrs_loss(rrs_gamma(t, depth, lam, omega), depth, lam, omega)
    return ExponentComparison(
        "time", "t^{-β/(2+β)}", f"D = {dim}, L = {depth}, α = ∞, B = {batch}, η = {lr}, {steps} steps; "
        f"t ∈ [{window[0]:g}, {window[1]:g}]", (float(t[0]), float(t[-1])), fit, _slope(t, theory),
        -BETA / (2 + BETA), -NU * BETA / (NU * BETA + 2 * NU + 1), "FS t^{-νβ/(νβ+2ν+1)}",
        allowance=SLOPE_ALLOWANCE)


#: Depth protocol: (L, lr, steps, batch); the rate grows with L (the optimal step γ⋆ ≈ 1.8 L/λ₁ takes longer to
#: reach), and lr/batch is small at small L, where the SGD noise frozen into Γ would otherwise lift the final loss
#: by up to 0.6 % (L = 1 at lr 2, batch 16), a bias of the fitted slope larger than its statistical interval.
DEPTH_RUNS = ((1, 1.0, 600, 128), (2, 2.0, 600, 64), (3, 3.0, 1200, 64), (4, 8.0, 1800, 32))


def depth_exponent(seeds=SEEDS, *, dim: int = 16, runs=DEPTH_RUNS) -> ExponentComparison:
    """Depth: final loss against L at α = ∞, full width, trained to the landscape minimum; finite-D theory the
    minimum over γ of Result 6's landscape at the same D (App. F.2)."""
    configs = {float(L): [TrainConfig(setting="rrs", dim=dim, alpha=math.inf, depth=L, steps=steps, lr=lr,
                                      batch=batch, nu=NU, beta=BETA, decay=0.5, seed=s) for s in seeds]
               for L, lr, steps, batch in runs}
    x, y, means = _final_losses(configs)
    lam, omega = _spectrum(dim)
    depths = np.array(sorted(configs))
    floors = [rrs_depth_floor(int(L), lam, omega).loss for L in depths]
    return ExponentComparison(
        "depth", "L^{-β}", f"D = {dim}, α = ∞, (L, η, steps, B) = {list(runs)}, lr decay over the last half",
        tuple(depths), bootstrap_power_law(x, y), _slope(depths, floors), -BETA, -NU * BETA, "width N^{-νβ}",
        losses=means, allowance=SLOPE_ALLOWANCE)


WIDTHS = (2, 3, 4, 6, 8)


def width_exponent(seeds=SEEDS, *, dim: int = 16, depth: int = 2, widths=WIDTHS, lr: float = 8.0,
                   steps: int = 400, batch: int = 16, mc_contexts: int = MC_CONTEXTS) -> ExponentComparison:
    """Width: final loss against N < D (projection A = √N[I_N 0]) at α = ∞, depth ``depth``; finite-D theory the
    minimum over γ of the projected landscape at the same D and L."""
    configs = {float(n): [TrainConfig(setting="rrs", dim=dim, alpha=math.inf, depth=depth, width=n, steps=steps,
                                      lr=lr, batch=batch, nu=NU, beta=BETA, decay=0.5, seed=s) for s in seeds]
               for n in widths}
    x, y, means = _final_losses(configs)

    def floors(beta: float) -> list[float]:
        return [ProjectedLandscape(dim, n, NU, beta, draws=math.ceil(mc_contexts / n)).depth_floor(depth)
                for n in widths]

    lam, omega = _spectrum(dim)
    equivalent = [width_floor(n, lam, omega).loss for n in widths]
    return ExponentComparison(
        "width", "N^{-νβ}", f"D = {dim}, L = {depth}, α = ∞, B = {batch}, η = {lr}, {steps} steps, lr decay over the "
        "last half", tuple(float(n) for n in widths), bootstrap_power_law(x, y), _slope(widths, floors(BETA)),
        -NU * BETA, _slope(widths, floors(WRONG_BETA)), f"finite-D theory at β = {WRONG_BETA:g}",
        _slope(widths, equivalent), means, SLOPE_ALLOWANCE)


#: Context lengths and depth: P from 6, below D (where App. F.4's context floor is defined), and L = 2 (at small P
#: a few sampled contexts have eigenvalues of Σ̂ far beyond the typical ones; with (1 − γs/L)^{2L} at depth 4 their
#: gradient spikes made SGD diverge).
CONTEXTS = (6, 8, 10, 12, 14)


def context_exponent(seeds=SEEDS, *, dim: int = 16, depth: int = 2, contexts=CONTEXTS, lr: float = 0.25,
                     steps: int = 1000, batch: int = 64, mc_contexts: int = MC_CONTEXTS) -> ExponentComparison:
    """Context: final loss against P = αD sampled points per context, full width, depth ``depth``; finite-D theory
    the minimum over γ of the finite-context landscape at the same D and L."""
    configs = {float(p): [TrainConfig(setting="rrs", dim=dim, alpha=p / dim, depth=depth, steps=steps, lr=lr,
                                      batch=batch, nu=NU, beta=BETA, decay=0.5, seed=s) for s in seeds]
               for p in contexts}
    x, y, means = _final_losses(configs)

    def floors(beta: float) -> list[float]:
        out = []
        for p in contexts:
            landscape = IsotropicLandscape(make_spec("rrs", dim, p / dim, nu=NU, beta=beta), depth, mc_contexts)
            # its own minimum() stops at 2L/max s over all sampled contexts, short of the minimum at small P
            out.append(scan_minimum(landscape.loss, 40 * depth / landscape.top)[0])
        return out

    lam, omega = _spectrum(dim)
    equivalent = [context_floor(p, lam, omega).loss for p in contexts]
    return ExponentComparison(
        "context", "P^{-νβ}", f"D = {dim}, L = {depth}, sampled Σ̂, B = {batch}, η = {lr}, {steps} steps, lr decay "
        "over the last half", tuple(float(p) for p in contexts), bootstrap_power_law(x, y),
        _slope(contexts, floors(BETA)), -NU * BETA, _slope(contexts, floors(WRONG_BETA)),
        f"finite-D theory at β = {WRONG_BETA:g}", _slope(contexts, equivalent), means, SLOPE_ALLOWANCE)


def all_exponents(seeds=SEEDS, report=None) -> list[ExponentComparison]:
    """The four comparisons (time, depth, width, context) at the module's protocols; ``report(row)`` sees each."""
    rows = {}
    for name, protocol in (("context", context_exponent), ("time", time_exponent), ("depth", depth_exponent),
                           ("width", width_exponent)):  # context first: the most fragile (sampled contexts)
        rows[name] = protocol(seeds)
        if report is not None:
            report(rows[name])
    return [rows[name] for name in ("time", "depth", "width", "context")]


# ---------------------------------------------------------------------------------------------------------
# the table


def exponents_markdown(rows: list[ExponentComparison], command: str, date: str, seconds: float) -> str:
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    lines = [
        "# RRS exponents of Bordelon, Letey, Pehlevan (2026) from simulated curves",
        "",
        f"Generated by `{command}` on {date} ({machine}; {seconds:.0f} s). Reduced-Γ model, online SGD, "
        f"ν = {NU}, β = {BETA}, seeds {list(SEEDS)}; slopes of log loss against log size, 95 % stratified "
        "bootstrap intervals over seeds, widened by the allowance for the bias of SGD against gradient flow (the "
        "mean noise frozen into Γ, finite steps); the verdict asks whether the finite-D theory slope lies inside the "
        "widened interval and the wrong law outside. See docs/theory/bordelon2025.md, \"RRS exponents from simulation\".",
        "",
        "| resource | law | sizes | simulated slope [95 % CI] | allowance | finite-D theory slope (same sizes) | "
        "F.4 deterministic equivalent | asymptotic | distance of asymptotic from interval | wrong law (slope) | "
        "verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fit = r.simulated
        sizes = ", ".join(f"{s:g}" for s in r.sizes) if r.resource != "time" else f"t ∈ [{r.sizes[0]:.3g}, " \
                                                                                   f"{r.sizes[1]:.3g}]"
        equivalent = "—" if r.deterministic is None else f"{r.deterministic:.3f}"
        verdict = ("agrees" if r.agrees else "DISAGREES") + (", wrong law rejected" if r.rejects_wrong
                                                             else ", wrong law NOT rejected")
        lines.append(f"| {r.resource} | {r.law} | {sizes} | {fit.slope:.4f} [{fit.low:.4f}, {fit.high:.4f}] | "
                     f"±{r.allowance:g} | {r.finite_dim:.4f} | {equivalent} | {r.asymptotic:.3f} | "
                     f"{r.distance(r.asymptotic):.3f} | "
                     f"{r.wrong_law} ({r.wrong:.3f}) | {verdict} |")
    lines += ["", "Protocols:", ""]
    lines += [f"- {r.resource}: {r.protocol}." for r in rows]
    lines += ["", "Mean final losses by size:", ""]
    for r in rows:
        if r.losses:
            lines.append(f"- {r.resource}: " + ", ".join(f"{k:g}: {v:.4g}" for k, v in r.losses.items()))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> Path:
    """Run every protocol and write ``rrs_exponents.md`` (``--out DIR``, default results/bordelon2025)."""
    import time

    def build(command: str, date: str) -> str:
        start = time.perf_counter()
        rows = all_exponents(report=lambda r: print(f"{r.resource}: slope {r.simulated.slope:.3f} "
                                                      f"[{r.simulated.low:.3f}, {r.simulated.high:.3f}], finite-D "
                                                      f"{r.finite_dim:.3f}", flush=True))
        return exponents_markdown(rows, command, date, time.perf_counter() - start)

    return write_report("icl_sym.experiments.bordelon2025.exponents", "rrs_exponents.md", build,
                        default_out="results/bordelon2025", description=__doc__.splitlines()[0], argv=argv)


if __name__ == "__main__":
    print(main())
