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
# # Randomly rotated structured covariance: Γ = γI and the one-dimensional landscape
#
# *Bordelon, Letey, Pehlevan (2025), Sec. 3.3, Result 6 and App. E — registered as
# `bordelon2025.rotated_structure`.*
#
# **Setting.** Each context has data covariance $O\Lambda O^T$ and task covariance $O\Omega O^T$, with a
# fresh Haar-random rotation $O$ per context. Averaging over $O$ makes the gradient at $\Gamma = \gamma I$
# isotropic, so gradient flow from $\Gamma = 0$ stays on the line $\Gamma = \gamma I$: the model learns $L$
# steps of **unconditioned** gradient descent with step $\gamma/L$. It cannot store a whitening transform,
# so depth keeps helping even with infinite context. The exponents that follow from the one-dimensional
# landscape are derived in `bordelon2025.bottlenecks`.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.rotated_structure")

# %% [markdown]
# ## Isotropy
# Two exact facts at D = 2: the Haar average of $OCO^T$ is a multiple of $I$, and $\gamma I$ is invariant under rotations.

# %%
walk.step("Haar average of a rotated matrix is isotropic")

# %%
walk.step("Γ = γI is rotation invariant")

# %% [markdown]
# ## Result 6: the landscape and its flow

# %%
walk.step("Result 6: the one-dimensional landscape")

# %%
walk.step("Result 6: the flow of γ")

# %% [markdown]
# ## What the network computes
# $L$ steps of plain gradient descent; as $L \to \infty$, gradient flow in context for a time $\gamma$.

# %%
walk.step("the learned algorithm is plain GD")

# %%
walk.step("infinite depth: gradient flow in context")

# %%
walk.finish()
