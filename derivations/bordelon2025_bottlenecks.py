# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Scaling laws of the RRS model: time, depth, width, context and full linear attention
#
# *Bordelon, Letey, Pehlevan (2025), Results 8-9 and App. F.1, F.2, F.4, G.2 — registered as
# `bordelon2025.bottlenecks`.*
#
# **Setting.** The RRS reduced-$\Gamma$ model under source/capacity conditions $\lambda_k = k^{-\nu}$,
# $\lambda_k\omega_k \propto k^{-\nu\beta-1}$ with $\nu > 1$. Sending three of the four resources to
# infinity leaves a power law in the fourth. Every exponent is derived the same way: the sum over modes
# is replaced by an integral, a substitution $k = s^{p} u$ pulls out a power of the resource $s$ and leaves
# a convergent integral in $u$ (a *scaling collapse*, checked exactly). Each exponent is then confirmed by
# a least-squares fit of $\log\mathcal{L}$ against the log of the resource on the **exact finite sums**,
# with an error bar (the least-squares standard error combined with the drift of the slope across the window).

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.bottlenecks")

# %% [markdown]
# ## Time (App. F.1)
# At infinite depth, width and context the landscape is $\sum_k\lambda_k\omega_k e^{-2\gamma\lambda_k}$ and γ follows its gradient flow.

# %%
walk.step("time: collapse of the infinite-depth landscape")

# %%
walk.step("time: the rate collapses with one more power")

# %%
walk.step("time: solving the flow")

# %%
walk.step("time: exponent")

# %%
walk.step("time: fit, (ν, β) = (1.25, 1.25)")

# %% [markdown]
# ## Depth (App. F.2)
# At infinite time the best step size at depth $L$ leaves a floor: $L$ steps of plain gradient descent.

# %%
walk.step("depth: collapse at the step γ = cL/λ₁")

# %%
walk.step("depth: fit of the optimised floor, (ν, β) = (1.5, 0.8)")

# %% [markdown]
# ## Width and context (App. F.4)
# The τ-equation of the two-point deterministic equivalent, with the corrected sign, is solved numerically; at zero frequency its effective ridge becomes the root of $\sum_k\lambda_k/(z+\lambda_k) = N$ (or $P$). App. F.4 then writes both floors as $z^2\sum_k\lambda_k\omega_k/(z+\lambda_k)^2$. The t, L → ∞ limits are, however, a projection error (width) and a ridgeless bias (context), whose deterministic equivalents at that ridge are $z\sum_k\lambda_k\omega_k/(z+\lambda_k)$ and $r^2\sum_k\lambda_k\omega_k(r+\lambda_k)^{-2}/(1 - P^{-1}\sum_k\lambda_k^2(r+\lambda_k)^{-2})$ (erratum ERR-13, checked against Monte Carlo in `bordelon2025_errata`). Both are exact when Λ = I. The width floor keeps the exponent νβ only for β < 1, the context floor for β < 2.

# %%
walk.step("F.4: width limit of the τ-equation")

# %%
walk.step("F.4: context limit of the τ-equation")

# %%
walk.step("width: collapse of the rank equation")

# %%
walk.step("width: the rank integral")

# %%
walk.step("width: the floor is exact at Λ ∝ I")

# %%
walk.step("width: collapse of the floor")

# %%
walk.step("width: the floor integral converges for β < 1")

# %%
walk.step("width: fit, (ν, β) = (1.5, 0.5)")

# %%
walk.step("width: fit beyond β = 1 saturates at ν, (ν, β) = (2, 1.5)")

# %%
walk.step("context: the floor is exact at Λ ∝ I")

# %%
walk.step("context: collapse of the bias")

# %%
walk.step("context: the bias integral converges for β < 2")

# %%
walk.step("context: the denominator tends to 1/ν")

# %%
walk.step("context: fit, (ν, β) = (2, 0.5)")

# %% [markdown]
# ## Full linear attention (Result 9)
# Training all of $W_x, W_k, W_q, W_v$ from a small balanced start reduces to the flow of $\gamma = 2w^5$, which is slower at first and faster later than the reduced model.

# %%
walk.step("Result 9: balance of ½w_x² and w_k²")

# %%
walk.step("Result 9: balance of w_k² and w_v²")

# %%
walk.step("Result 9: reduced flow of γ = 2w⁵")

# %%
walk.step("Result 9: solving the flow")

# %%
walk.step("Result 9: fit, (ν, β) = (1.5, 0.8)")

# %%
walk.finish()

# %% [markdown]
# ## The four bottlenecks, drawn
#
# Each panel sends three resources to infinity and draws the loss against the fourth, from the package's
# functions on the power-law spectrum $\lambda_k = k^{-\nu}$ (source exponent $\beta$), with the law derived
# above drawn through the last point (dotted, exponent from `scaling_exponents`):
#
# * **time** ($L, N, P \to \infty$): the reduced model's gradient flow (`rrs_time_of_gamma`, `rrs_loss` at
#   $L = \infty$), $t^{-\beta/(2+\beta)}$, and balanced full linear attention (`full_attention_time_of_gamma`),
#   $t^{-5\beta/(5\beta+2)}$, started from $\gamma = 1$ — the larger exponent;
# * **depth** ($t, N, P \to \infty$): the floor of the landscape at the best step (`rrs_depth_floor`), $L^{-\beta}$;
# * **width** and **context** ($t, L \to \infty$ and the other one infinite): the App. F.4 floors in their
#   corrected form (`width_floor`, `context_floor`, erratum ERR-13), $N^{-\nu\beta}$ and $P^{-\nu\beta}$ (here
#   β < 1); the context panel uses a second $(\nu, \beta)$ to show that the exponent follows $\nu\beta$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import (
    context_floor, rrs_depth_floor, rrs_loss, rrs_time_of_gamma, scaling_exponents, width_floor,
)
from icl_sym.theories.bordelon2025.bottlenecks import full_attention_time_of_gamma
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum


def draw_law(ax, x, y, exponent, name):
    """The power law x^(-exponent) through the last point (x[-1], y[-1]), dotted."""
    x = np.asarray(x, dtype=float)
    ax.plot(x, y[-1] * (x / x[-1]) ** -exponent, "k:", label=rf"${name}^{{-{exponent:.3g}}}$")


nu_, beta_ = 1.5, 0.8
spectrum = power_law_spectrum(20_000, nu_, beta_)
lam, omega = spectrum.eigenvalues, spectrum.weights
laws = scaling_exponents(nu_, beta_)
fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), layout="constrained")
fig.suptitle(rf"RRS bottlenecks, $\lambda_k = k^{{-\nu}}$: $(\nu, \beta) = ({nu_}, {beta_})$ unless stated")

ax = axes[0, 0]
gammas = np.geomspace(10, 1e4, 40)
loss = rrs_loss(gammas, np.inf, lam, omega)
times = rrs_time_of_gamma(gammas, np.inf, lam, omega)
ax.plot(times, loss, label=r"reduced $\Gamma$")
draw_law(ax, times, loss, laws.time, "t")
full_times = full_attention_time_of_gamma(gammas, 1.0, np.inf, lam, omega)
ax.plot(full_times, loss, label=r"full attention, $\gamma = 2w^5$")
draw_law(ax, full_times, loss, laws.time_full_attention, "t")
ax.set(xscale="log", yscale="log", xlabel="training time $t$", ylabel="loss", title=r"time ($L = \infty$)")
ax.legend(fontsize=8)

ax = axes[0, 1]
depths = np.unique(np.geomspace(2, 1024, 16).astype(int))
floors = np.array([rrs_depth_floor(int(L), lam, omega).loss for L in depths])
ax.plot(depths, floors, "o-", ms=3, label="optimised floor")
draw_law(ax, depths, floors, laws.depth, "L")
ax.set(xscale="log", yscale="log", xlabel="depth $L$", ylabel="loss", title=r"depth ($t = \infty$)")
ax.legend(fontsize=8)

wide = power_law_spectrum(100_000, nu_, beta_)
ranks = np.unique(np.geomspace(2, 1024, 20).astype(int))
ax = axes[1, 0]
floors = np.array([width_floor(int(n), wide.eigenvalues, wide.weights).loss for n in ranks])
ax.plot(ranks, floors, "o-", ms=3, label="width floor")
draw_law(ax, ranks, floors, laws.width, "N")
ax.set(xscale="log", yscale="log", xlabel="width $N$", ylabel="loss", title=r"width ($t, L, P = \infty$)")
ax.legend(fontsize=8)

ax = axes[1, 1]
context_nu, context_beta = 2.0, 0.5
long = power_law_spectrum(100_000, context_nu, context_beta)
floors = np.array([context_floor(int(p), long.eigenvalues, long.weights).loss for p in ranks])
ax.plot(ranks, floors, "o-", ms=3, label="context floor")
draw_law(ax, ranks, floors, scaling_exponents(context_nu, context_beta).context, "P")
ax.set(xscale="log", yscale="log", xlabel="context $P$", ylabel="loss",
       title=rf"context ($t, L, N = \infty$; $(\nu, \beta) = ({context_nu:g}, {context_beta:g})$)")
ax.legend(fontsize=8)
plt.show()
