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

# %% [markdown]
# ## The landscape, drawn
#
# Result 6's loss $\mathcal{L}(\gamma) = \sum_k \omega_k \lambda_k (1 - \gamma\lambda_k/L)^{2L}$ from the package's
# `rrs_loss`, for the power-law spectrum $\lambda_k = k^{-\nu}$ with source exponent $\beta$ ($D = 2000$,
# $\nu = \beta = 1.5$), at several depths. At depth $L$ the step $\gamma/L$ must stay below $2/\lambda_{\max}$
# for every factor to shrink, so the loss blows up beyond $\gamma = 2L/\lambda_{\max}$ ($\lambda_{\max} = 1$
# here): shallow networks meet that wall early and their best loss is higher, deeper ones reach lower
# minima — depth keeps helping even with infinite context.

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import rrs_loss
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

spectrum = power_law_spectrum(2000, 1.5, 1.5)
gammas = np.logspace(-1, 3, 200)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for depth in (1, 2, 8, 64, np.inf):
    label = r"\infty" if np.isinf(depth) else str(depth)
    ax.plot(gammas, rrs_loss(gammas, depth, spectrum.eigenvalues, spectrum.weights), label=f"$L = {label}$")
ax.set(xscale="log", yscale="log", ylim=(1e-3, 10), xlabel=r"$\gamma$ (in $\Gamma = \gamma I$)",
       ylabel=r"$\mathcal{L}(\gamma)$", title=r"RRS landscape, $\nu = \beta = 1.5$, $D = 2000$")
ax.legend()
plt.show()
