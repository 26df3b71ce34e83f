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
# # When does $L^* \propto N^{2/3}$ hold? The claims ledger of Mehta and Gupta
#
# *Mehta, Gupta (2025), abstract — registered as `mehta2025.allocation`; ledger in `icl_sym.theories.mehta2025`;
# see `docs/theory/mehta2025.md`.*
#
# **Setting.** The abstract states that at a fixed budget $N = Ld$ (depth times width) the optimal allocation is
# $L^* \propto N^{2/3}$, $d^* \propto N^{1/3}$, without the loss law behind it. We take the additive law
# $$
# \mathcal{E}(L, d) = A L^{-a} + B d^{-b}, \qquad A, B, a, b > 0,
# $$
# minimise it on $Ld = N$, and find the exact condition on the exponents under which the claim holds. The
# ledger below then shows every claim of the abstract and summary with the verdict computed from its evidence.

# %%
from icl_sym.core.registry import REGISTRY
from icl_sym.notebook import Walkthrough
from icl_sym.theories.mehta2025 import THEORY

REGISTRY.add(THEORY)  # a no-op once the package is installed with its entry point
walk = Walkthrough("mehta2025.allocation")

# %% [markdown]
# ## The optimum on the budget
#
# Eliminate $d = N/L$ and differentiate in $\log L$.

# %%
walk.step("stationarity on the budget")

# %% [markdown]
# The second log-derivative is a sum of positive terms, so there is exactly one minimum.

# %%
walk.step("convex in log L")

# %%
walk.step("optimal width")

# %% [markdown]
# ## The exponents

# %%
walk.step("width exponent")

# %%
walk.step("depth exponent")

# %%
walk.step("error exponent")

# %% [markdown]
# ## The condition for the 2/3 law
#
# The depth exponent $b/(a+b)$ equals $2/3$ for exactly one width exponent; one shared exponent gives $1/2$.

# %%
walk.step("2/3 law condition")

# %%
walk.step("one shared exponent")

# %%
walk.finish()

# %% [markdown]
# ## The ledger
#
# Every claim with its computed verdict and the evidence that decided it. The allocation claims are
# conditional; fixing the exponents decides them.

# %%
for claim in THEORY.claims:
    print(claim.assess().line())

# %%
allocation = next(c for c in THEORY.claims if c.name == "mehta2025.allocation")
print(allocation.verdict(a=0.5, b=1.0), allocation.verdict(a=1.0, b=1.0))
