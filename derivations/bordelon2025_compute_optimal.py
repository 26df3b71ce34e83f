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
# # Compute-optimal shape of the separable scaling law
#
# *Bordelon, Letey, Pehlevan (2025), Result 8 — registered as `bordelon2025.compute_optimal`.*
#
# **Setting.** Result 8 states the separable law
# $$
# \mathcal{L}(t, N, L, P) = c_t t^{-\beta/(2+\beta)} + c_N N^{-\nu\beta} + c_L L^{-\beta} + c_P P^{-\nu\beta}
# $$
# and that at fixed compute $C = tP^2N^2L$ the optimal depth grows as $L \propto N^\nu$. Here the optimum
# is derived in closed form: with $x = \log N$, $y = \log L$ and $t$ eliminated by the budget, the objective
# is a sum of exponentials of affine functions — convex — so its stationary point is the global minimum.
# Writing $T$ for the time term at the optimum, stationarity splits it onto width and depth in fixed
# proportions, and the budget then fixes $T$ as a power of $C$. `compute_optimal_shape` evaluates the
# closed form; the tests compare it with a numerical minimisation of the same law.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.compute_optimal")

# %% [markdown]
# ## The optimum

# %%
walk.step("stationary in the width")

# %%
walk.step("stationary in the depth")

# %%
walk.step("convex in (log N, log L)")

# %%
walk.step("the budget fixes the time term")

# %% [markdown]
# ## Exponents of the frontier

# %%
walk.step("loss frontier exponent")

# %%
walk.step("optimal width exponent")

# %%
walk.step("optimal depth exponent")

# %%
walk.step("optimal time exponent")

# %%
walk.step("Result 8: L ∝ N^ν")

# %% [markdown]
# ## Infinite width
# With the width term gone and compute $t \cdot L$, only time and depth trade off.

# %%
walk.step("infinite width: stationary")

# %%
walk.step("infinite width: frontier exponent")

# %% [markdown]
# ## A property test

# %%
walk.step("no shape beats the closed form")

# %%
walk.finish()

# %% [markdown]
# ## The frontier, drawn
#
# From the package's `compute_optimal_shape` and `separable_loss`, at $(\nu, \beta) = (1.5, 0.8)$, unit constants
# and $P = 1$ (the context term $c_P P^{-\nu\beta}$ is a constant; the loss is drawn above it).
#
# **Left:** each grey curve is one fixed shape $(N, L)$ trained longer and longer ($t = C/(N^2L)$): it falls,
# then stalls at its width and depth floor. The compute-optimal loss is their lower envelope, a power law
# $C^{-\nu\beta/((3+\beta)\nu+2)}$ (dotted: the exponent derived above); at infinite width, with compute $tL$,
# it is $C^{-\beta/(3+\beta)}$. **Right:** the optimal shape grows as the powers derived above, with
# $L \propto N^\nu$ (Result 8).

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import compute_optimal_shape
from icl_sym.theories.bordelon2025.compute_optimal import (
    DENOMINATOR, FRONTIER_EXPONENT, INFINITE_WIDTH_EXPONENT, separable_loss,
)
from icl_sym.theories.bordelon2025.source_capacity import beta, nu

nu_, beta_ = 1.5, 0.8
at = {nu: nu_, beta: beta_}
budgets = np.logspace(3, 30, 55)
shapes = [compute_optimal_shape(c, nu_, beta_) for c in budgets]
context_term = 1.0  # c_P P^{-νβ} at P = 1
frontier = np.array([s.loss for s in shapes]) - context_term
fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")

for i in range(4, len(budgets), 9):  # a few shapes, each optimal at one budget
    width, depth = shapes[i].width, shapes[i].depth
    left.plot(budgets, separable_loss(budgets / (width**2 * depth), width, depth, np.inf, nu_, beta_),
              color="0.7", lw=1, label="fixed shape $(N, L)$" if i == 4 else None)
    left.plot(budgets[i], frontier[i], "k.")
left.plot(budgets, frontier, lw=2, label="compute-optimal")
exponent = -float(FRONTIER_EXPONENT.subs(at))
left.plot(budgets, frontier[-1] * (budgets / budgets[-1]) ** -exponent, "k:", label=rf"$C^{{-{exponent:.3f}}}$")
infinite = np.array([compute_optimal_shape(c, nu_, beta_, infinite_width=True).loss for c in budgets]) - context_term
left.plot(budgets, infinite, "--", label=r"$N = \infty$, $C = tL$")
exponent = -float(INFINITE_WIDTH_EXPONENT.subs(at))
left.plot(budgets, infinite[-1] * (budgets / budgets[-1]) ** -exponent, "k-.", lw=0.8,
          label=rf"$C^{{-{exponent:.3f}}}$")
left.set(xscale="log", yscale="log", ylim=(frontier[-1] / 3, 3), xlabel="compute $C = tP^2N^2L$",
         ylabel=r"loss $- c_P P^{-\nu\beta}$", title=rf"compute-optimal frontier, $(\nu, \beta) = ({nu_}, {beta_})$")
left.legend(fontsize=8)

for name, values, power in (("width $N$", [s.width for s in shapes], 1 / DENOMINATOR),
                            ("depth $L$", [s.depth for s in shapes], nu / DENOMINATOR),
                            ("time $t$", [s.time for s in shapes], nu * (2 + beta) / DENOMINATOR)):
    power = float(power.subs(at))
    line, = right.plot(budgets, values, label=f"{name} $\\propto C^{{{power:.3f}}}$")
    right.plot(budgets, values[-1] * (budgets / budgets[-1]) ** power, ":", color=line.get_color())
right.set(xscale="log", yscale="log", xlabel="compute $C$", ylabel="optimal value",
          title=r"optimal shape ($L \propto N^{\nu}$)")
right.legend(fontsize=8)
plt.show()
