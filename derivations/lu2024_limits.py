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
# # Limits and phase transitions: a walkthrough
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025): double descent, context length and task
# diversity — registered as `lu2024.limits`.*
#
# The asymptotic errors $e_{\mathrm{ICL}}(\tau, \alpha, \kappa, \rho, \lambda)$ and $e_{\mathrm{IDG}}$ of
# `lu2024.asymptotic_curves` are explicit but long; their limits are where the paper's qualitative
# claims live (double descent in $\tau$, a transition in $\kappa$, the value of long contexts). Each
# section below states **the claim**, then shows the registered step with **why it holds** (its
# justification) and **how it was checked**, in one sentence under the equation. Three kinds of check
# appear:
#
# * **symbolic and numeric** — SymPy's `limit` returns the claimed value (after a reparametrisation
#   that keeps every quantity positive, such as $\kappa = 1/\iota$ or $\tau = 1 + t$), *and* mpmath
#   evaluates the stated expression along a sequence approaching the point, which must converge to
#   the value;
# * **numeric only** — where SymPy's `limit` does not finish (nested radicals, implicit roots), the
#   mpmath sequence alone, said so in the check's name;
# * **+ package callable** — in most steps the package's own learning curve (the function users run)
#   is evaluated along the same sequence and must converge to the same value.
#
# The last claim is an inequality, checked as a property test over random points.

# %%
from icl_sym.notebook import Walkthrough, show_text

walk = Walkthrough("lu2024.limits")
D = walk.derivation

# %% [markdown]
# ## 1. Infinite task diversity, $\kappa \to \infty$
#
# **Claim.** With a fresh task for every pretraining context the model never sees the same task twice,
# so memorising tasks cannot help and the ICL and IDG errors coincide, with closed forms on either side
# of the interpolation threshold $\tau = 1$.

# %%
walk.step("κ → ∞, ridgeless, τ > 1", why=True)

# %%
walk.step("κ → ∞, ridgeless, τ < 1", why=True)

# %% [markdown]
# ## 2. Pretraining data: $\tau \to \infty$, $\tau \to 0$
#
# **Claim.** Infinite pretraining data gives the population predictor
# $\Gamma_\infty = [\hat R(\hat R + qI)^{-1}, 0]$; with too little data ($n = o(d^2)$) nothing is
# learned and the error is that of predicting zero.

# %%
walk.step("τ → ∞: the population predictor", why=True)

# %%
walk.step("τ → 0: nothing is learned", why=True)

# %% [markdown]
# ## 3. The interpolation peak at $\tau = 1$ (double descent)
#
# **Claim.** At $\tau = 1$ the number of pretraining contexts equals the number of parameters; the
# ridgeless errors diverge like $C/|\tau - 1|$ with the *same* $C$ on both sides, and any ridge
# $\lambda > 0$ removes the divergence. Above the threshold the ridgeless curve is the $\lambda \to 0^+$
# limit of the ridge curves, because the extra ridge $\epsilon$ vanishes like $\lambda\tau/(\tau - 1)$.

# %%
walk.step("τ → 1⁺: interpolation divergence", why=True)

# %%
walk.step("τ → 1⁻: the same coefficient", why=True)

# %%
walk.step("ridge removes the divergence", why=True)

# %%
walk.step("λ → 0⁺ for τ > 1: the equation for ε/λ", why=True)

# %%
walk.step("λ → 0⁺ for τ > 1: ε/λ → τ/(τ − 1)", why=True)

# %% [markdown]
# The peak, drawn from the package's $e_{\mathrm{ICL}}$ at $\alpha = 10$, $\kappa = \infty$,
# $\rho = 0.01$: ridgeless (with the asymptote $C/|\tau - 1|$ of the two steps above) and with ridge
# $\lambda = 0.1$, which stays finite.

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.lu2024 import e_icl, g_task
from icl_sym.theories.lu2024.asymptotics import stieltjes_mp

alpha, rho = 10.0, 0.01
q = (1 + rho) / alpha
m = float(stieltjes_mp(q, np.inf))
C = (1 + q) * m * (rho + q - q**2 * m)
tau = np.concatenate([1 - np.logspace(-0.3, -3, 120), 1 + np.logspace(-3, 0.5, 120)])
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(tau, e_icl(tau, alpha, np.inf, rho, 0.0), label=r"ridgeless $e_{\mathrm{ICL}}$")
ax.plot(tau, e_icl(tau, alpha, np.inf, rho, 0.1), label=r"$\lambda = 0.1$")
ax.plot(tau, C / np.abs(tau - 1), "k:", label=r"$C/|\tau - 1|$")
ax.set(xscale="log", yscale="log", xlabel=r"$\tau = n/d^2$", ylabel="error", ylim=(0.1, 100),
       title=r"interpolation peak ($\alpha = 10$, $\kappa = \infty$, $\rho = 0.01$)")
ax.legend()
plt.show()

# %% [markdown]
# ## 4. Long contexts, $\alpha \to \infty$: a transition at $\kappa = \min(\tau, 1)$
#
# **Claim.** Long contexts help only if the model has seen enough tasks. Above the threshold
# ($\tau > 1$) the ICL error converges when $\kappa > 1$ and grows linearly in $\alpha$ when $\kappa < 1$
# (the in-distribution error converges either way); below it ($\tau < 1$) the same transition sits at
# $\kappa = \tau$.

# %%
walk.step("α → ∞, τ > 1, κ > 1", why=True)

# %%
walk.step("α → ∞, τ > 1, IDG", why=True)

# %%
walk.step("α → ∞, τ > 1, κ < 1: linear growth", why=True)

# %%
walk.step("α → ∞, τ < 1, κ > τ", why=True)

# %%
walk.step("α → ∞, τ < 1, κ < τ: divergence", why=True)

# %% [markdown]
# ## 5. The memorisation → in-context-learning transition
#
# **Claim.** With unlimited data and long contexts ($\tau \to \infty$, then $\alpha \to \infty$) the
# task-generalisation gap $g_{\mathrm{task}} = e_{\mathrm{ICL}} - e_{\mathrm{IDG}}$ tends to $(1 - \kappa)_+$:
# it is non-analytic at $\kappa = 1$, a phase transition between memorising the pretraining tasks and
# learning in context.

# %%
walk.step("g_task → 1 − κ for κ < 1", why=True)

# %%
walk.step("g_task → 0 for κ > 1", why=True)

# %% [markdown]
# The package's $g_{\mathrm{task}}$ approaching the kink as $\tau$ and $\alpha$ grow together:

# %%
kappa = np.linspace(0.05, 2.5, 200)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for size in (3, 30, 3000):
    ax.plot(kappa, g_task(size, size, kappa, rho, 0.0), label=rf"$\tau = \alpha = {size}$")
ax.plot(kappa, np.clip(1 - kappa, 0, None), "k:", label=r"$(1 - \kappa)_+$")
ax.set(xlabel=r"$\kappa = k/d$", ylabel=r"$g_{\mathrm{task}}$", title=r"task-generalisation gap ($\rho = 0.01$)")
ax.legend()
plt.show()

# %% [markdown]
# ## 6. Short contexts, and a lower bound
#
# **Claim.** Very short contexts make the model worse than predicting zero when $\kappa < 1$; and no
# predictor, linear attention included, beats the Bayes-optimal (posterior-mean) error for Gaussian
# tasks.

# %%
walk.step("α → 0", why=True)

# %%
walk.step("ICL error ≥ Bayes-optimal error", why=True)

# %% [markdown]
# ## Summary: every limit and how it was checked

# %%
walk.finish()
rows = [f"| {k} | {step.name} | {step.check.method} |" for k, step in enumerate(D, start=1)]
show_text("| # | claim | checked by |\n|---|---|---|\n" + "\n".join(rows),
          plain="\n".join(f"{k}. {step.name}: {step.check.method}" for k, step in enumerate(D, start=1)))
