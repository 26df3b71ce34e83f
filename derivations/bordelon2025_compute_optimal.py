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
