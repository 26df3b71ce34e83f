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
# # Limits and phase transitions
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025): double descent, context length and task
# diversity — registered as `lu2024.limits`.*
#
# Each claim below is a limit of the asymptotic errors of `lu2024.asymptotic_curves`. SymPy takes the
# limit where it can — per regime, with positive reparametrisations such as $\kappa = 1 + k$ or
# $\kappa = 1/\iota$, and with $m = M_\kappa(q)$ kept opaque where the claim allows — and every claim is
# cross-checked numerically: mpmath evaluates the stated expression along a sequence approaching the
# point, and, for most claims, the package's own learning curve along the same sequence; both must
# converge to the claimed value. Each step prints the method that verified it.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("lu2024.limits")
D = walk.derivation

# %% [markdown]
# ## Infinite task diversity
# With $\kappa \to \infty$ the pretraining tasks cover all directions and $e_{\mathrm{ICL}} = e_{\mathrm{IDG}}$.

# %%
walk.step("κ → ∞, ridgeless, τ > 1")

# %%
walk.step("κ → ∞, ridgeless, τ < 1")

# %% [markdown]
# ## Pretraining data: $\tau \to \infty$, $\tau \to 0$ and the interpolation threshold
# Infinite data gives the population predictor $\Gamma_\infty = [\hat R(\hat R + qI)^{-1}, 0]$; no data
# ($n = o(d^2)$) gives the null predictor. At $\tau = 1$ the number of contexts equals the number of
# parameters and the ridgeless errors diverge like $C/|\tau - 1|$, with the same coefficient on both
# sides; any ridge removes the divergence.

# %%
walk.step("τ → ∞: the population predictor")

# %%
walk.step("τ → 0: nothing is learned")

# %%
walk.step("τ → 1⁺: interpolation divergence")

# %%
walk.step("τ → 1⁻: the same coefficient")

# %%
walk.step("ridge removes the divergence")

# %%
walk.step("λ → 0⁺ for τ > 1: the equation for ε/λ")

# %%
walk.step("λ → 0⁺ for τ > 1: ε/λ → τ/(τ − 1)")

# %% [markdown]
# ## Context length: $\alpha \to \infty$, transition at $\kappa = \min(\tau, 1)$
# Long contexts help only when the model has seen enough tasks: above $\kappa = 1$ (for $\tau > 1$) the
# error converges, below it the ICL error grows linearly in $\alpha$; below the threshold
# ($\tau < 1$) the transition is at $\kappa = \tau$.

# %%
walk.step("α → ∞, τ > 1, κ > 1")

# %%
walk.step("α → ∞, τ > 1, IDG")

# %%
walk.step("α → ∞, τ > 1, κ < 1: linear growth")

# %%
walk.step("α → ∞, τ < 1, κ > τ")

# %%
walk.step("α → ∞, τ < 1, κ < τ: divergence")

# %% [markdown]
# ## The memorisation → ICL transition
# Taking $\tau \to \infty$ and then $\alpha \to \infty$, the task-generalisation gap
# $g_{\mathrm{task}} = e_{\mathrm{ICL}} - e_{\mathrm{IDG}}$ tends to $(1 - \kappa)_+$: it is non-analytic at
# $\kappa = 1$, a phase transition between memorising the pretraining tasks and learning in context.

# %%
walk.step("g_task → 1 − κ for κ < 1")

# %%
walk.step("g_task → 0 for κ > 1")

# %% [markdown]
# ## Short contexts and a lower bound

# %%
walk.step("α → 0")

# %%
walk.step("ICL error ≥ Bayes-optimal error")

# %%
walk.finish()
