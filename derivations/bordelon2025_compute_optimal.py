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
# and that at fixed compute $C = tP^2N^2L$ the optimal depth grows as $L \propto N^\nu$. The width and context
# terms are App. F.4's floors, whose exponents are $\nu\beta$ only for small β: the width floor falls as
# $N^{-\nu\min(\beta,1)}$ and the context floor as $P^{-\nu\min(\beta,2)}$ (erratum ERR-13). So the optimum
# is derived here for a general width exponent $a_N$ and context exponent $a_P$,
# $\mathcal{L} = c_t t^{-\beta/(2+\beta)} + c_N N^{-a_N} + c_L L^{-\beta} + c_P P^{-a_P}$, and then specialised:
# to Result 8 as printed ($a_N = \nu\beta$, right for β ≤ 1) and to the saturated $a_N = \nu$ of β > 1
# (erratum ERR-14). With $x = \log N$, $y = \log L$ and $t$ eliminated by the budget, the objective
# is a sum of exponentials of affine functions — convex — so its stationary point is the global minimum.
# Writing $T$ for the time term at the optimum, stationarity splits it onto width and depth in fixed
# proportions, and the budget then fixes $T$ as a power of $C$. `compute_optimal_shape` evaluates the
# closed form with $a_N = \nu\min(\beta,1)$, $a_P = \nu\min(\beta,2)$ (`printed=True`: Result 8's law as
# printed); the tests compare it with a numerical minimisation of the same law.

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
walk.step("L ∝ N^{a_N/β}")

# %% [markdown]
# ## Result 8 as printed
# At $a_N = \nu\beta$ the general exponents reduce exactly to the printed ones.

# %%
walk.step("Result 8 as printed: frontier exponent")

# %%
walk.step("Result 8 as printed: optimal width exponent")

# %%
walk.step("Result 8 as printed: optimal depth exponent")

# %%
walk.step("Result 8 as printed: optimal time exponent")

# %%
walk.step("Result 8: L ∝ N^ν")

# %% [markdown]
# ## The exponents App. F.4 gives, and β > 1
# `compute_optimal_shape` takes $a_N$ and $a_P$ from `scaling_exponents` (bordelon2025.bottlenecks). For β > 1 the
# width term saturates at $N^{-\nu}$ and the printed frontier and shape no longer hold (erratum ERR-14).

# %%
walk.step("width exponent of App. F.4")

# %%
walk.step("context exponent of App. F.4")

# %%
walk.step("β > 1: frontier exponent")

# %%
walk.step("β > 1: L ∝ N^{ν/β}")

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
# $C^{-\nu\beta/((3+\beta)\nu+2)}$ (dotted: the exponent derived above; β < 1, so Result 8 as printed); at
# infinite width, with compute $tL$, it is $C^{-\beta/(3+\beta)}$. **Right:** the optimal shape grows as the
# powers derived above, with $L \propto N^\nu$ (Result 8).

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import compute_optimal_shape
from icl_sym.theories.bordelon2025.compute_optimal import (
    DEPTH_EXPONENT, INFINITE_WIDTH_EXPONENT, TIME_EXPONENT, WIDTH_EXPONENT, a_N, frontier_exponent, law_exponents,
    separable_loss,
)
from icl_sym.theories.bordelon2025.source_capacity import beta, nu

nu_, beta_ = 1.5, 0.8
at = {nu: nu_, beta: beta_, a_N: law_exponents(nu_, beta_)[0]}  # a_N = νβ here (β < 1)
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
exponent = -frontier_exponent(nu_, beta_)
left.plot(budgets, frontier[-1] * (budgets / budgets[-1]) ** -exponent, "k:", label=rf"$C^{{-{exponent:.3f}}}$")
infinite = np.array([compute_optimal_shape(c, nu_, beta_, infinite_width=True).loss for c in budgets]) - context_term
left.plot(budgets, infinite, "--", label=r"$N = \infty$, $C = tL$")
exponent = -float(INFINITE_WIDTH_EXPONENT.subs(at))
left.plot(budgets, infinite[-1] * (budgets / budgets[-1]) ** -exponent, "k-.", lw=0.8,
          label=rf"$C^{{-{exponent:.3f}}}$")
left.set(xscale="log", yscale="log", ylim=(frontier[-1] / 3, 3), xlabel="compute $C = tP^2N^2L$",
         ylabel=r"loss $- c_P P^{-\nu\beta}$", title=rf"compute-optimal frontier, $(\nu, \beta) = ({nu_}, {beta_})$")
left.legend(fontsize=8)

for name, values, power in (("width $N$", [s.width for s in shapes], WIDTH_EXPONENT),
                            ("depth $L$", [s.depth for s in shapes], DEPTH_EXPONENT),
                            ("time $t$", [s.time for s in shapes], TIME_EXPONENT)):
    power = float(power.subs(at))
    line, = right.plot(budgets, values, label=f"{name} $\\propto C^{{{power:.3f}}}$")
    right.plot(budgets, values[-1] * (budgets / budgets[-1]) ** power, ":", color=line.get_color())
right.set(xscale="log", yscale="log", xlabel="compute $C$", ylabel="optimal value",
          title=r"optimal shape ($L \propto N^{\nu}$)")
right.legend(fontsize=8)
plt.show()
