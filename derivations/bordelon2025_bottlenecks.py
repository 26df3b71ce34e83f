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
# The τ-equation of the two-point deterministic equivalent, with the corrected sign, is solved numerically; at zero frequency its effective ridge becomes the root of $\sum_k\lambda_k/(z+\lambda_k) = N$ (or $P$), and the floor is $z^2\sum_k\lambda_k\omega_k/(z+\lambda_k)^2$.

# %%
walk.step("F.4: width limit of the τ-equation")

# %%
walk.step("F.4: context limit of the τ-equation")

# %%
walk.step("width: collapse of the rank equation")

# %%
walk.step("width: the rank integral")

# %%
walk.step("width: collapse of the floor")

# %%
walk.step("width: the floor integral converges for β < 2")

# %%
walk.step("width: fit, (ν, β) = (1.5, 0.8)")

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
