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

# %% [markdown]
# ## Simulation evidence
#
# Two claims are tested on simulated models (`docs/theory/mehta2025.md`, "Simulations"); their results are
# committed with the command that produced them, and each becomes a power-law fit whose confidence interval (two
# fit errors) decides the verdict.
#
# **Allocation.** $L$-layer linear attention as $L$ in-context GD steps with an optimised step, width = token
# dimension $d$, context $2d$: at each budget $N = Ld$ the optimal depth $L^*$, then $L^* \propto N^\nu$.

# %%
from icl_sym.core.fits import fit_power_law
from icl_sym.theories.mehta2025 import simulations as sims

print(sims.command("allocation"))
budgets, optimal = sims.allocation_points()
fit = fit_power_law(budgets, optimal)
print(f"nu = {fit.slope:.3f} ± {sims.SIGMAS * fit.error:.3f}   (claimed 2/3); L* from {optimal.min():.1f} to {optimal.max():.1f}")

# %% [markdown]
# The optimal depth does not grow with the budget: depth helps only until the in-context GD reaches its optimal
# early-stopping time.
#
# **Hierarchy depth.** Compositional linear tasks of depth $h$ (the input is the latent passed through $h$ random
# linear levels drawn per context; the label is linear in the latent): the exponent of the error in depth $L$,
# against $\alpha(h) = 1/(2(h+1))$.

# %%
for h in sims.hierarchies():
    fit = fit_power_law(*sims.hierarchy_points(h))
    print(f"h = {h}: exponent {-fit.slope:.3f} ± {sims.SIGMAS * fit.error:.3f}   "
          f"claimed alpha(h) = {sims.claimed_alpha(h):.3f}   1/(h+1) = {1 / (h + 1):.3f}")

# %% [markdown]
# The verdicts computed from these fits:

# %%
for name in ("mehta2025.allocation_simulated", "mehta2025.exponent_alpha_compositional"):
    print(next(c for c in THEORY.claims if c.name == name).assess().line())

# %% [markdown]
# ## The claims, drawn
#
# The figures of the claims report (`icl-sym claims mehta2025 --report DIR`), drawn by the same code
# (`icl_sym.theories.mehta2025.report.draw_figures`) into a temporary folder and shown here, each under the claims
# it bears on: the simulated error along each budget with the fitted $L^* \propto N^\nu$; the error against depth for
# each hierarchy depth $h$ with the fitted exponents against $\alpha(h)$; and the additive ansatz derived above,
# whose depth exponent $b/(a+b)$ is $2/3$ only at $b = 2a$.

# %%
import tempfile
from pathlib import Path

from IPython.display import Image, display

from icl_sym.notebook import show_text
from icl_sym.theories.mehta2025.report import draw_figures

with tempfile.TemporaryDirectory() as folder:
    for claims, caption, name in draw_figures(folder):
        show_text(f"**{', '.join(claims)}** — {caption}")
        display(Image(filename=str(Path(folder) / name)))
