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
# # Lemma 1: the conditional moments of the context features
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025), Lemma 1 — registered as `lu2024.lemma1`.*
#
# **Setting.** Fix a task vector $w \in \mathbb{R}^d$. A context consists of $\ell$ independent examples
# $$
# x_i \sim \mathcal{N}\!\left(0, \tfrac{1}{d} I_d\right), \qquad \epsilon_i \sim \mathcal{N}(0, \rho), \qquad
# y_i = w^T x_i + \epsilon_i, \qquad i = 1, \dots, \ell,
# $$
# with $x_i$ and $\epsilon_i$ independent. Linear attention sees the context only through the features
# (see `lu2024_reduction`)
# $$
# s = \frac{d}{\ell} \sum_{i=1}^{\ell} y_i x_i \in \mathbb{R}^d, \qquad
# q = \frac{1}{\ell} \sum_{i=1}^{\ell} y_i^2, \qquad h = \begin{bmatrix} s \\ q \end{bmatrix} \in \mathbb{R}^{d+1}.
# $$
# Lemma 1 gives the first and second moments of $h$ given $w$, **exactly** for every finite $d$ and
# $\ell$. The label variance $\sigma_w^2 := \|w\|^2/d + \rho$ appears throughout; the registered
# expressions write $\|w\|^2$ as $\mathrm{tr}(w^T w)$ and the identity as $\mathbb{I}$.
#
# The proof has two layers. First, moments of **one** example $(x, y)$: it is a centred Gaussian
# vector, so its moments follow from Isserlis' (Wick's) theorem — the expectation of a product of
# centred jointly Gaussian factors is the sum, over all ways of pairing the factors, of the products of
# the pairwise covariances. Second, moments of the **sums** $s$ and $q$ over $\ell$ i.i.d. examples, by
# the partition rule
# $$
# \mathbb{E}\Big[\sum_i a_i \sum_j b_j\Big] = \ell\, \mathbb{E}[a b] + \ell(\ell - 1)\, \mathbb{E}[a]\, \mathbb{E}[b]
# $$
# (the $\ell$ diagonal terms $i = j$, and the $\ell(\ell-1)$ terms $i \ne j$ that factorise by
# independence). Each step's check derives the moment with the package's Gaussian calculus, with
# symbolic $d$ and $\ell$, and compares it with the stated form.

# %% [markdown]
# **Reading this document.** Each step below fetches the registered step, shows it as an equation
# (rendered math in Jupyter, LaTeX source in a terminal) and runs its check; a failed check stops the
# document with the checker's explanation. The helpers are defined once, here.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("lu2024.lemma1")
D = walk.derivation

# %% [markdown]
# ## One example
#
# ### Step 1 — input and label are correlated through $w$
#
# The label $y = w^T x + \epsilon$ is a linear function of the Gaussian pair $(x, \epsilon)$, so
# $(x, y)$ is jointly Gaussian. By bilinearity of the covariance and $x \perp \epsilon$,
# $$
# \mathrm{Cov}(x, y \mid w) = \mathrm{Cov}(x, x)\, w + \mathrm{Cov}(x, \epsilon) = \frac{1}{d} w + 0 .
# $$

# %%
walk.step("covariance of input and label")

# %% [markdown]
# ### Step 2 — the label variance $\sigma_w^2$
#
# Again by bilinearity, $\mathrm{Var}(y \mid w) = w^T \mathrm{Cov}(x, x)\, w + \mathrm{Var}(\epsilon)
# = \|w\|^2/d + \rho$. This is the quantity $\sigma_w^2$ of the lemma.

# %%
walk.step("variance of a label")

# %% [markdown]
# ### Step 3 — $\mathbb{E}[y x]$
#
# Both factors are centred, so the second moment is the covariance of Step 1 — a product of two
# Gaussian factors has a single pairing: $\mathbb{E}[y x \mid w] = w/d$.

# %%
walk.step("E[y x]")

# %% [markdown]
# ### Step 4 — $\mathbb{E}[y^2 x x^T]$
#
# Entry $(a, b)$ is a product of four centred Gaussian factors $y, y, x_a, x_b$. Of the three pairings,
# one pairs $y$ with $y$ and $x_a$ with $x_b$, giving $\sigma_w^2\, \delta_{ab}/d$; the other two pair each
# $y$ with one input coordinate, each giving $(w_a/d)(w_b/d)$. Hence
# $$
# \mathbb{E}[y^2 x x^T \mid w] = \frac{\sigma_w^2}{d} I_d + \frac{2}{d^2}\, w w^T .
# $$

# %%
walk.step("E[y^2 x x^T]")

# %% [markdown]
# ### Step 5 — $\mathbb{E}[y^3 x]$
#
# In $y, y, y, x_a$ the input coordinate must pair with one of the three labels (three choices,
# $w_a/d$ each) and the remaining two labels pair with each other ($\sigma_w^2$):
# $\mathbb{E}[y^3 x \mid w] = 3 \sigma_w^2\, w/d$.

# %%
walk.step("E[y^3 x]")

# %% [markdown]
# ### Step 6 — $\mathbb{E}[y^4]$
#
# Four labels have three pairings, each worth $\sigma_w^4$: the Gaussian fourth moment
# $\mathbb{E}[y^4 \mid w] = 3\sigma_w^4$.

# %%
walk.step("E[y^4]")

# %% [markdown]
# ## Sums over the context
#
# ### Step 7 — $s$ is an unbiased estimate of the task
#
# Linearity: $\mathbb{E}[s \mid w] = \frac{d}{\ell} \cdot \ell\, \mathbb{E}[y x \mid w] = d \cdot \frac{w}{d} = w$.
# This is why the factor $d/\ell$ is built into $s$.

# %%
walk.step("E[s]")

# %% [markdown]
# ### Step 8 — $\mathbb{E}[s s^T]$
#
# By the partition rule with $a = b = y x$: the $\ell$ diagonal terms contribute $\mathbb{E}[y^2 x x^T]$
# (Step 4) and the $\ell(\ell-1)$ others $\mathbb{E}[yx]\,\mathbb{E}[yx]^T = w w^T/d^2$ (Step 3). With the
# prefactor $(d/\ell)^2$,
# $$
# \mathbb{E}[s s^T \mid w] = \frac{d^2}{\ell}\left(\frac{\sigma_w^2}{d} I_d + \frac{2 w w^T}{d^2}\right)
# + \frac{\ell - 1}{\ell}\, w w^T
# = \Big(1 + \frac{1}{\ell}\Big) w w^T + \frac{\|w\|^2 + d \rho}{\ell}\, I_d .
# $$
# The second term is the sampling noise of the estimate $s$ of $w$: of order $1/\alpha$ per coordinate
# when $\ell = \alpha d$.

# %%
walk.step("E[s s^T]")

# %% [markdown]
# ### Step 9 — $\mathbb{E}[q]$
#
# $q$ is the sample mean of the $y_i^2$, so $\mathbb{E}[q \mid w] = \mathbb{E}[y^2 \mid w] = \sigma_w^2$.

# %%
walk.step("E[q]")

# %% [markdown]
# ### Step 10 — $\mathbb{E}[s q]$
#
# Partition rule with $a = y x$, $b = y^2$: $\ell$ terms $\mathbb{E}[y^3 x] = 3\sigma_w^2 w/d$ (Step 5) and
# $\ell(\ell - 1)$ terms $\mathbb{E}[yx]\,\mathbb{E}[y^2] = \sigma_w^2 w/d$. With the prefactor $d/\ell^2$,
# $$
# \mathbb{E}[s q \mid w] = \sigma_w^2 \left(\frac{3}{\ell} + \frac{\ell - 1}{\ell}\right) w
# = \sigma_w^2 \Big(1 + \frac{2}{\ell}\Big) w .
# $$

# %%
walk.step("E[s q]")

# %% [markdown]
# ### Step 11 — $\mathbb{E}[q^2]$
#
# Partition rule with $a = b = y^2$: $\ell$ terms $\mathbb{E}[y^4] = 3 \sigma_w^4$ and $\ell(\ell-1)$ terms
# $\sigma_w^4$, divided by $\ell^2$: $\mathbb{E}[q^2 \mid w] = \sigma_w^4 (3 + \ell - 1)/\ell
# = \sigma_w^4 (1 + 2/\ell)$.

# %%
walk.step("E[q^2]")

# %% [markdown]
# ## Tasks on the sphere
#
# The theory normalises every task to the sphere $\|w\|^2 = d$, so that $\sigma_w^2 = 1 + \rho$ for all
# tasks. Write $\alpha := \ell/d$.
#
# ### Step 12 — the mean of $h$
#
# Stack Steps 7 and 9 and put $\sigma_w^2 = 1 + \rho$: $\mathbb{E}[h \mid w] = [\,w;\ 1 + \rho\,]$.

# %%
walk.step("E[h] on the sphere")

# %% [markdown]
# ### Step 13 — the second moment of $h$
#
# Assemble the blocks of $h h^T$ from Steps 8, 10 and 11 with $\|w\|^2 = d$ and $\ell = \alpha d$. The noise
# term of Step 8 becomes $\frac{d(1+\rho)}{\ell} I_d = \frac{1+\rho}{\alpha} I_d$, and factoring out
# $1 + \rho$ gives the matrix $B(w)$ that reappears in Proposition 1:
# $$
# \mathbb{E}[h h^T \mid w] = (1 + \rho)\, B(w), \qquad
# B(w) = \begin{bmatrix}
#   \frac{1}{\alpha} I_d + \big(1 + \frac{1}{\ell}\big) \frac{w w^T}{1 + \rho} & \big(1 + \frac{2}{\ell}\big) w \\
#   \big(1 + \frac{2}{\ell}\big) w^T & (1 + \rho)\big(1 + \frac{2}{\ell}\big)
# \end{bmatrix}.
# $$

# %%
walk.step("E[h h^T] on the sphere")

# %% [markdown]
# ## Results
#
# Every step of the registered derivation has been shown and verified. The derivation establishes
# the following formulas (the second moment of $q$ in terms of $\sigma_w^2$, and the second moment of $h$
# for tasks on the sphere):

# %%
walk.finish()

# %% [markdown]
# ## Theory against simulation
#
# The lemma is exact at every finite $\ell$; here its fourth moment
# $\mathbb{E}[q^2 \mid w] = \sigma_w^4 (1 + 2/\ell)$ (the registered result `E_q2`) is set against a
# Monte-Carlo estimate: a fixed task $w$ in $d = 8$, $\rho = 0.25$, and $2 \times 10^4$ contexts for each
# $\ell$, sampled example by example as in the setting (seeded; error bars ± two standard errors).

# %%
import matplotlib.pyplot as plt
import numpy as np

E_q2 = D.result("E_q2").numeric("numpy")
rng = np.random.default_rng(np.random.SeedSequence(2024))
d_value, rho_value, contexts = 8, 0.25, 20_000
w_value = rng.standard_normal(d_value)
w_value *= np.sqrt(d_value) / np.linalg.norm(w_value)  # on the sphere |w|^2 = d, so sigma_w^2 = 1 + rho
sigma2_value = w_value @ w_value / d_value + rho_value
ells = np.arange(1, 17)
estimates, errors = [], []
for ell_value in ells:
    x_draws = rng.standard_normal((contexts, ell_value, d_value)) / np.sqrt(d_value)
    y_draws = x_draws @ w_value + np.sqrt(rho_value) * rng.standard_normal((contexts, ell_value))
    q2 = np.mean(y_draws**2, axis=1) ** 2
    estimates.append(q2.mean())
    errors.append(2 * q2.std(ddof=1) / np.sqrt(contexts))
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(ells, E_q2(sigma2_value, ells), label=r"Lemma 1: $\sigma_w^4 (1 + 2/\ell)$")
ax.errorbar(ells, estimates, yerr=errors, fmt="ko", ms=3, label="Monte Carlo")
ax.set(xlabel=r"context length $\ell$", ylabel=r"$\mathbb{E}[q^2 \mid w]$", title=rf"$d = {d_value}$, $\rho = {rho_value}$")
ax.legend()
plt.show()
