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
# # Asymptotic learning curves: $e_{\mathrm{ICL}}$ and $e_{\mathrm{IDG}}$
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025), the Results on ICL and IDG errors — registered as
# `lu2024.asymptotic_curves`.*
#
# **Setting.** Take $d \to \infty$ with context length $\ell/d \to \alpha$, task diversity $k/d \to \kappa$
# and pretraining data $n/d^2 \to \tau$; write $q = (1+\rho)/\alpha$ for the noise of the in-context
# estimate $s \approx w + \mathcal{N}(0, q I)$. The ridge-trained $\Gamma^*$ behaves like the shrinkage
# $\hat R(\hat R + \nu)^{-1}$ with an effective ridge $\nu = q + \epsilon$, where the extra ridge
# $\epsilon \ge 0$ solves
# $$
# \epsilon\, M_\kappa(q + \epsilon) = 1 - \tau + \frac{\tau \lambda}{\epsilon},
# $$
# and $M_\kappa(z) = \lim \frac1d \mathrm{tr}(\hat R + z)^{-1}$ is the Stieltjes transform of the task
# covariance (a Marchenko–Pastur law of aspect ratio $\kappa$). With $M, M'$ evaluated at $\nu$,
# $$
# c = \frac{\rho + \nu - \nu^2 M - \epsilon(1 - 2\nu M - \nu^2 M')}{\tau - 1 + 2\epsilon M + \epsilon^2 M'},\quad
# e_{\mathrm{ICL}} = (1+q)\big[1 - 2\nu M - \nu^2 M' + c(M + \epsilon M')\big] - 2(1 - \nu M) + 1 + \rho,\quad
# e_{\mathrm{IDG}} = \tau c.
# $$
# This document checks the pieces: the Stieltjes transform and its branch, the trace identities that
# turn spectral averages into $M$ and $M'$, the $\epsilon$ equation as a quartic, and the ridgeless and
# $\kappa = \infty$ closed forms as the $\lambda \to 0^+$ values of the general formulas.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("lu2024.asymptotic_curves")
D = walk.derivation

# %% [markdown]
# ## The Stieltjes transform
#
# $M_\kappa$ is a root of a quadratic. Which root is fixed by a condition, not by hand: the closed form
# must equal the Herglotz root (the one with the right sign of $\mathrm{Im}\, M$ off the real axis), found
# numerically with `mpmath.polyroots` at sample points.

# %%
walk.step("Marchenko-Pastur polynomial")

# %% [markdown]
# Rationalising removes the cancellation of the closed form at large $\kappa$; at $\kappa = \infty$ it
# reads $1/(1+z)$.

# %%
walk.step("rationalised closed form")

# %% [markdown]
# The derivative by implicit differentiation, $M' = -P_z/P_M$, agrees with the derivative of the closed
# form (40-digit identity at random points).

# %%
walk.step("derivative")

# %% [markdown]
# ## Trace identities
#
# The errors contain normalised traces of rational functions of $\hat R$. Each is an average over the
# eigenvalue distribution, so it suffices to check the identity for one eigenvalue $r$, with
# $M \to 1/(r+\nu)$ and $M' \to -1/(r+\nu)^2$.

# %%
walk.step("trace of R(R+ν)^-1")

# %%
walk.step("trace of R^2(R+ν)^-2")

# %%
walk.step("trace of (R+q)(R+ν)^-2")

# %%
walk.step("trace of (R+q)^2(R+ν)^-2")

# %% [markdown]
# ## The extra ridge
#
# On its root, $M = u/\epsilon^2$ with $u = (1-\tau)\epsilon + \tau\lambda$; substituted into the
# Marchenko–Pastur polynomial this is a quartic in $\epsilon$ (the correct one — the authors' notebook
# for Fig. 3 has wrong coefficients).

# %%
walk.step("self-consistency as a quartic")

# %% [markdown]
# Ridgeless and below the threshold ($\lambda = 0$, $\tau < 1$) the equation is the Marchenko–Pastur
# equation at aspect ratio $\kappa/\tau$: $\epsilon = (1-\tau)/(\tau M_{\kappa/\tau}(q))$.

# %%
walk.step("ridgeless extra ridge, τ < 1")

# %% [markdown]
# ## Ridgeless closed forms
#
# The authors' code evaluates closed forms in $m^* = M_\kappa(q)$ and $\mu^* = q M_{\kappa/\tau}(q)$. They
# are the general formulas at the $\lambda \to 0^+$ value of $\epsilon$ ($0$ above the threshold, the
# closed form above below it); the limit $\epsilon \to 0$ itself is checked in `lu2024.limits`.

# %%
walk.step("e_ICL ridgeless, τ > 1")

# %%
walk.step("e_IDG ridgeless, τ > 1")

# %%
walk.step("e_ICL ridgeless, τ < 1")

# %%
walk.step("e_IDG ridgeless, τ < 1")

# %% [markdown]
# ## Infinite task diversity
#
# With $M_\infty(z) = 1/(1+z)$ everything is rational and the identities are exact.

# %%
walk.step("κ = ∞, τ > 1")

# %%
walk.step("κ = ∞, τ < 1")

# %% [markdown]
# ## Result and numbers
#
# The derivation establishes $e_{\mathrm{ICL}}$ with its $\epsilon$ equation as one implicit formula,
# which exports to Python, C and Julia. The package's vectorised functions reproduce the reference values
# of docs/theory/lu2024.md §9:

# %%
walk.finish()

import numpy as np

from icl_sym.theories.lu2024 import e_icl, e_idg, epsilon

for point, reference in [((0.5, 1, 0.5, 0.01, 0), (1.629733, 1.261077, 0.801849)),
                         ((2, 2, 1, 0.1, 0.5), (0.727040, 0.805466, 0.514121)),
                         ((1.5, 10, np.inf, 0.01, 1), (1.412480, 0.445561, 0.445561))]:
    values = (epsilon(*point), e_icl(*point), e_idg(*point))
    print(point, "eps, e_ICL, e_IDG =", np.round(values, 6))
    assert np.allclose(values, reference, rtol=1e-6, atol=1e-6)

# %% [markdown]
# ## The curves
#
# What the derivation establishes, drawn from the package's vectorised functions: the ICL and IDG errors
# against context length $\alpha$ at $\tau = 2$, $\rho = 0.01$ (ridgeless), for three task diversities.
# With few tasks ($\kappa < 1$) the two errors part as contexts grow — the model memorises its pretraining
# tasks — while with a fresh task for every context ($\kappa = \infty$) they coincide.

# %%
import matplotlib.pyplot as plt

alpha = np.logspace(-1, 2, 150)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for kappa, colour in ((0.5, "C0"), (2.0, "C1"), (np.inf, "C2")):
    label = r"\infty" if np.isinf(kappa) else f"{kappa:g}"
    ax.plot(alpha, e_icl(2.0, alpha, kappa, 0.01, 0.0), colour, label=rf"$e_{{\mathrm{{ICL}}}}$, $\kappa = {label}$")
    ax.plot(alpha, e_idg(2.0, alpha, kappa, 0.01, 0.0), colour, ls="--", label=rf"$e_{{\mathrm{{IDG}}}}$, $\kappa = {label}$")
ax.set(xscale="log", yscale="log", xlabel=r"$\alpha = \ell/d$", ylabel="error",
       title=r"$\tau = 2$, $\rho = 0.01$, $\lambda = 0$")
ax.legend(fontsize="small", ncol=2)
plt.show()
