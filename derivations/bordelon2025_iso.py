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
# # ISO: the optimal step of $L$-step in-context GD and its loss
#
# *Bordelon, Letey, Pehlevan (2026), Results 1 and 2 (Sec. 3.1) — registered as `bordelon2025.iso`.*
#
# **Setting.** Isotropic data: $x \sim \mathcal{N}(0, I_D)$, task $\beta \sim \mathcal{N}(0, I_D)$, no label noise.
# By symmetry the trained reduced model is $\Gamma = \gamma I$, so each of the $L$ layers is a plain gradient step of
# size $c = \gamma/L$ (see `bordelon2025_reduction`). In the proportional limit $P, D \to \infty$ with
# $\alpha = P/D$ fixed, the loss (normalised so that $\Gamma = 0$ gives 1) is
# $$
# \ell_L(c) = \int \rho(\lambda)\,(1 - c\lambda)^{2L}\, d\lambda ,
# $$
# where $\rho$ is the Marchenko–Pastur law of ratio $\alpha$: an atom of mass $(1-\alpha)_+$ at $\lambda = 0$ and the
# bulk $\alpha\sqrt{(\lambda_+ - \lambda)(\lambda - \lambda_-)}/(2\pi\lambda)$ on $\lambda_\pm = (1 \pm \alpha^{-1/2})^2$.
#
# **What is proved.** For **every** depth $L$ and every $\alpha > 0$ (including $\alpha < 1$, where the atom is
# present) the optimal step is $c_\star = \alpha/(1+\alpha)$, the inverse midpoint of the bulk, and
# $$
# \ell_\star(\alpha, L) = 1 - \frac{\alpha}{1+\alpha}\sum_{n=0}^{L-1}\mathrm{Cat}_n\, x^n
# = (1-\alpha)_+ + \frac{\alpha}{1+\alpha}\sum_{n \ge L}\mathrm{Cat}_n\, x^n, \qquad x = \frac{\alpha}{(1+\alpha)^2},
# $$
# with $\mathrm{Cat}_n$ the Catalan numbers. The second form has positive terms only; it is what
# `iso_optimal_loss` evaluates, so the loss keeps its relative accuracy where it is tiny. The limits follow:
# $1/(1+\alpha)$ at $L = 1$ (the paper prints $(1+\alpha)^{-2}$), $(1-\alpha)_+$ as $L \to \infty$,
# $\binom{2L}{L}/4^L$ at $\alpha = 1$, and $0$ as $\alpha \to \infty$ for every $L$ (Result 2).

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.iso")

# %% [markdown]
# ## The Marchenko–Pastur law in the right variable
#
# ### Step 1 — $\lambda\rho(\lambda)\,d\lambda$ is a semicircle
#
# Centre the bulk: $\lambda = m + h u$ with midpoint $m = 1 + 1/\alpha$, half-width $h = 2/\sqrt{\alpha}$ and
# $u \in [-1, 1]$. Then $(\lambda_+ - \lambda)(\lambda - \lambda_-) = h^2(1 - u^2)$ and $\alpha h^2 = 4$, so the
# factor $1/\lambda$ of the density cancels against $\lambda$ and $\lambda\rho(\lambda)\,d\lambda = \frac{2}{\pi}\sqrt{1-u^2}\,du$,
# the same semicircle for every $\alpha$.

# %%
walk.step("bulk in the centred variable")

# %% [markdown]
# ### Step 2 — semicircle moments are Catalan numbers
#
# $\frac{2}{\pi}\int_{-1}^{1}u^{2n}\sqrt{1-u^2}\,du = \mathrm{Cat}_n/4^n$ (a Beta integral; checked for symbolic $n$).

# %%
walk.step("semicircle moments")

# %% [markdown]
# ### Step 3 — the moments of $\rho$ are Narayana polynomials
#
# $\langle\lambda^k\rangle = \int \lambda\rho\cdot\lambda^{k-1}$: expand $(m + hu)^{k-1}$ and use Step 2. The result is
# the Narayana polynomial $\sum_{r<k}\frac{1}{r+1}\binom{k}{r}\binom{k-1}{r}\alpha^{-r}$ (checked for $k = 1..10$). So
# $\ell_L(c) = \sum_{j=0}^{2L}\binom{2L}{j}(-c)^j\langle\lambda^j\rangle$ is an exact polynomial in $c$ with rational
# coefficients in $\alpha$ — exact, but alternating, so useless numerically where the loss is small.

# %%
walk.step("MP moments are Narayana polynomials")

# %% [markdown]
# ## The optimal step for every depth
#
# ### Step 4 — stationarity
#
# $\ell_L'(c) = -2L\int\rho(\lambda)\,\lambda(1 - c\lambda)^{2L-1}\,d\lambda$. The atom at $\lambda = 0$ is multiplied
# by $\lambda$ and drops out, so the stationarity condition — and hence the optimum — is the same for $\alpha < 1$.

# %%
walk.step("stationarity")

# %% [markdown]
# ### Step 5 — the weight is symmetric about the midpoint
#
# The stationarity integral is against $\lambda\rho(\lambda)\,d\lambda$, which by Step 1 is the semicircle: even in $u$.

# %%
walk.step("weight symmetric about the midpoint")

# %% [markdown]
# ### Step 6 — the factor is odd at $c = 1/m$
#
# At $c = 1/m$, $1 - \lambda/m = -hu/m$, so $(1 - \lambda/m)^{2L-1}$ is odd in $u$. Odd against even integrates to 0:
# $c_\star = 1/m = \alpha/(1+\alpha)$ is stationary for every $L$.

# %%
walk.step("odd factor at the inverse midpoint")

# %% [markdown]
# ### Step 7 — strict convexity makes it the minimiser
#
# The second derivative of the integrand is $2L(2L-1)\lambda^2(1-c\lambda)^{2L-2} \ge 0$, positive except at finitely
# many $\lambda$; the bulk has mass $\min(\alpha, 1) > 0$. So $\ell_L$ is strictly convex and $c_\star$ is the unique
# minimiser.

# %%
walk.step("strict convexity")

# %% [markdown]
# ### Step 8 — independent check with the exact polynomial
#
# The derivative of the Narayana polynomial of Step 3 vanishes at $c = \alpha/(1+\alpha)$ as a rational identity in
# $\alpha$, for $L = 1..6$.

# %%
walk.step("optimal step, exact per depth")

# %% [markdown]
# ## The optimal loss as a positive series
#
# ### Step 9 — the integrand at the optimum
#
# $(1 - \lambda/m)^{2L} = (h/m)^{2L}u^{2L} = q^L u^{2L}$ with $q = 4\alpha/(1+\alpha)^2 \le 1$ (equality only at $\alpha = 1$).

# %%
walk.step("integrand at the optimal step")

# %% [markdown]
# ### Step 10 — symmetrise the remaining $1/\lambda$
#
# The bulk weight is $\rho\,d\lambda = \frac{2}{\pi}\sqrt{1-u^2}\,du/(m + hu)$. Against the even $u^{2L}$ only the even
# part of $1/(m+hu)$ counts, and that is $\frac{1}{m}\frac{1}{1 - qu^2} = \frac1m\sum_j q^j u^{2j}$: a series with
# positive terms.

# %%
walk.step("symmetrised inverse")

# %% [markdown]
# ### Step 11 — integrate term by term
#
# With Step 2 each term gives a Catalan number: the bulk contributes
# $\frac{1}{m}\sum_{j \ge 0} q^{L+j}\mathrm{Cat}_{L+j}/4^{L+j} = \frac{\alpha}{1+\alpha}\sum_{n\ge L}\mathrm{Cat}_n x^n$
# with $x = q/4 = \alpha/(1+\alpha)^2$. Using the full sum (next two steps), this equals the finite form
# $1 - \frac{\alpha}{1+\alpha}\sum_{n<L}\mathrm{Cat}_n x^n$, which is checked here exactly against the Narayana
# polynomial at $c_\star$.

# %%
walk.step("optimal loss, finite form")

# %% [markdown]
# ### Steps 12–13 — the Catalan generating function at $x = \alpha/(1+\alpha)^2$
#
# $G(x) = \sum_n\mathrm{Cat}_n x^n$ is the root of $xG^2 - G + 1 = 0$ with $G(0) = 1$. At our $x$ that root is
# $(1+\alpha)/\alpha$ for $\alpha \ge 1$ and $1 + \alpha$ for $\alpha \le 1$, so $\frac{\alpha}{1+\alpha}G = \min(1, \alpha)$
# — the mass of the bulk. The difference between the total mass 1 and the bulk mass is the atom: the tail form
# carries $(1-\alpha)_+$. (Each step checks that the stated value solves the quadratic.)

# %%
walk.step("Catalan generating function, alpha > 1")

# %%
walk.step("Catalan generating function, alpha < 1")

# %% [markdown]
# ### Step 14 — the tail is a hypergeometric function
#
# The term ratio of the tail is $4x\,(n + \frac12)/(n+2)$, so
# $\sum_{n\ge L}\mathrm{Cat}_n x^n = \mathrm{Cat}_L x^L\,{}_2F_1(1, L+\tfrac12; L+2; 4x)$. Checked against the finite form
# at $L = 7$ and random $\alpha$, to 25 digits.

# %%
walk.step("positive tail form")

# %% [markdown]
# ## Limits
#
# ### Step 15 — one layer (an erratum)
#
# $\ell_\star(\alpha, 1) = 1/(1+\alpha)$. The paper prints $(1+\alpha)^{-2}$, which is $\frac1D\|\Gamma_\star - I\|^2$ at
# $\Gamma_\star = \frac{\alpha}{1+\alpha}I$ and omits the finite-context fluctuation $\frac{\alpha}{(1+\alpha)^2}$.

# %%
walk.step("depth one (erratum to Sec. 3.1)")

# %% [markdown]
# ### Step 16 — depth always helps, a little
#
# $\ell_\star(\alpha, L) - \ell_\star(\alpha, L+1) = \frac{\alpha}{1+\alpha}\mathrm{Cat}_L x^L > 0$.

# %%
walk.step("monotone in depth")

# %% [markdown]
# ### Step 17 — infinite context (Result 2)
#
# $0 \le \ell_\star(\alpha, L) \le \ell_\star(\alpha, 1) = 1/(1+\alpha) \to 0$: at $\alpha \to \infty$ one layer already
# reaches the optimum, for every depth.

# %%
walk.step("infinite context (Result 2)")

# %% [markdown]
# ### Steps 18–19 — balanced context $\alpha = 1$
#
# At $\alpha = 1$, $x = 1/4$ and the tail telescopes by Step 18:
# $\ell_\star(1, L) = \frac12\sum_{n\ge L}\mathrm{Cat}_n4^{-n} = \binom{2L}{L}/4^L \approx (\pi L)^{-1/2}$.

# %%
walk.step("central binomial telescoping")

# %%
walk.step("balanced context alpha = 1")

# %% [markdown]
# ### Step 20 — infinite depth
#
# The tail of a convergent series vanishes, so $\ell_\star \to (1-\alpha)_+$ as $L \to \infty$ — geometrically
# ($\propto q^L$) for $\alpha \ne 1$ and only like $L^{-1/2}$ at $\alpha = 1$. The check evaluates the largest gap over a
# grid of $\alpha$ that includes 1, for $L = 10 \dots 10^5$.

# %%
walk.step("infinite depth")

# %% [markdown]
# ## Results

# %%
walk.finish()

# %% [markdown]
# ## The optimal loss, drawn
#
# The closed form just established, from the package's `iso_optimal_loss`: the optimal $L$-step loss
# against $\alpha$ for several depths, with the infinite-depth limit $(1 - \alpha)_+$ of Step 20. Depth lowers
# the loss at every $\alpha$, towards that limit geometrically in $L$ — except at the balanced point
# $\alpha = 1$, where the gap closes only like $L^{-1/2}$ (Steps 18–20).

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import iso_optimal_loss

alphas = np.logspace(-1, 1, 161)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for depth in (1, 2, 4, 16, 64):
    ax.plot(alphas, iso_optimal_loss(alphas, depth), label=f"$L = {depth}$")
ax.plot(alphas, np.clip(1 - alphas, 0, None), "k:", label=r"$L = \infty$: $(1 - \alpha)_+$")
ax.set(xscale="log", yscale="log", ylim=(1e-12, 2), xlabel=r"$\alpha$",
       ylabel=r"optimal loss $\ell_\star(\alpha, L)$", title="ISO: optimal L-step loss")
ax.legend()
plt.show()
