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
# # Proposition 1: the exact test error of any $\Gamma$
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025), Proposition 1 — registered as `lu2024.proposition1`.*
#
# **Setting.** Linear attention predicts the query label as $\hat y = x_{\ell+1}^T \Gamma h$ with a fixed
# matrix $\Gamma \in \mathbb{R}^{d\times(d+1)}$ and the context features $h = [s; q]$ (see `lu2024_reduction`).
# A test context is generated in three stages:
#
# 1. a task $w$ on the sphere $\|w\|^2 = d$, drawn from a distribution with mean $\mu = \mathbb{E}[w]$ and
#    second moment $R = \mathbb{E}[w w^T]$;
# 2. given $w$, a context of $\ell = \alpha d$ examples as in Lemma 1, which determines $h$;
# 3. given $w$, an independent query $x_{\ell+1} \sim \mathcal{N}(0, I_d/d)$ with label
#    $y_{\ell+1} = w^T x_{\ell+1} + \epsilon_{\ell+1}$, $\epsilon_{\ell+1} \sim \mathcal{N}(0, \rho)$.
#
# The test error is $e(\Gamma) = \mathbb{E}\big[(y_{\ell+1} - x_{\ell+1}^T \Gamma h)^2\big]$. Proposition 1 states that,
# exactly at every finite $d$,
# $$
# e(\Gamma) = 1 + \rho - \frac{2}{d} \mathrm{tr}(\Gamma A) + \frac{1 + \rho}{d} \mathrm{tr}\left(\Gamma B \Gamma^T\right),
# \qquad
# A = \begin{bmatrix} R \\ (1+\rho)\mu^T \end{bmatrix}, \quad
# B = \begin{bmatrix}
#   \frac{1}{\alpha} I_d + \big(1 + \frac{1}{\ell}\big) \frac{R}{1 + \rho} & \big(1 + \frac{2}{\ell}\big) \mu \\
#   \big(1 + \frac{2}{\ell}\big) \mu^T & (1 + \rho)\big(1 + \frac{2}{\ell}\big)
# \end{bmatrix}.
# $$
# The proof averages the squared error in the reverse order of generation — first over the query,
# then over the context, then over the task — using at each stage that the quantity being averaged is
# a polynomial of low degree in the variables being averaged out.

# %% [markdown]
# **Reading this document.** Each step below fetches the registered step, shows it as an equation
# (rendered math in Jupyter, LaTeX source in a terminal) and runs its check; a failed check stops the
# document with the checker's explanation. The helpers are defined once, here.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("lu2024.proposition1")
D = walk.derivation

# %% [markdown]
# ## Step 1 — average over the query
#
# Hold $w$ and the context (hence $h$) fixed, and let $u := \Gamma h$. The residual
# $r = y_{\ell+1} - u^T x_{\ell+1} = (w - u)^T x_{\ell+1} + \epsilon_{\ell+1}$ is a centred Gaussian, and its
# variance follows from the query's covariances: $\mathrm{Var}(y_{\ell+1}) = \sigma_w^2$,
# $\mathrm{Cov}(y_{\ell+1}, u^T x_{\ell+1}) = u^T w / d$ and $\mathrm{Var}(u^T x_{\ell+1}) = \|u\|^2/d$. So
# $$
# \mathbb{E}\left[r^2 \mid w, h\right] = \sigma_w^2 - \frac{2}{d}\, w^T \Gamma h + \frac{1}{d}\, h^T \Gamma^T \Gamma h,
# \qquad \sigma_w^2 = \frac{\|w\|^2}{d} + \rho .
# $$
# (In the rendered expressions, scalars such as $w^T \Gamma h$ appear as $\mathrm{tr}(w^T \Gamma h)$.)

# %%
walk.step("average over the query")

# %% [markdown]
# ## Step 2 — average over the context (Lemma 1)
#
# Given $w$, the conditional error of Step 1 is affine in $h$ and in $h h^T$, because
# $h^T \Gamma^T \Gamma h = \mathrm{tr}(\Gamma\, h h^T\, \Gamma^T)$. Its average over the context therefore only
# needs the first two moments of $h$, which Lemma 1 supplies for tasks on the sphere
# ($\sigma_w^2 = 1 + \rho$):
# $$
# \mathbb{E}[h \mid w] = \begin{bmatrix} w \\ 1 + \rho \end{bmatrix}, \qquad
# \mathbb{E}[h h^T \mid w] = (1 + \rho)\, B(w),
# $$
# with $B(w)$ the matrix $B$ above at $\mu = w$, $R = w w^T$.

# %%
walk.step("average over the context (Lemma 1)")

# %% [markdown]
# ## Step 3 — average over the task
#
# After Step 2 the error given $w$ is again affine, now in $w$ and in $w w^T$: $B(w)$ contains $w$ in its
# off-diagonal blocks and $w w^T$ in its top-left block, and the cross term is
# $w^T \Gamma\, \mathbb{E}[h \mid w] = \mathrm{tr}\big(\Gamma\, \mathbb{E}[h \mid w]\, w^T\big)
# = \mathrm{tr}\big(\Gamma\, [\,w w^T;\ (1+\rho) w^T\,]\big)$. Averaging over the task replaces $w$ by
# $\mu$ and $w w^T$ by $R$: $[\,w w^T;\ (1+\rho) w^T\,]$ becomes $A$ and $B(w)$ becomes $B$, which is
# Proposition 1.

# %%
walk.step("average over the task")

# %% [markdown]
# ## Step 4 — the in-context-learning (ICL) error
#
# For fresh isotropic test tasks, $\mu = 0$ and $R = I_d$. Then $A = [\,I_d;\ 0\,]$ and $B$ is block
# diagonal; writing $\Gamma = [\,\Gamma_1,\ \gamma\,]$ with $\Gamma_1 \in \mathbb{R}^{d \times d}$,
# $$
# e_{\mathrm{ICL}}(\Gamma) = 1 + \rho - \frac{2}{d} \mathrm{tr}\,\Gamma_1
# + \frac{1 + \rho}{d} \left[\Big(\frac{1}{\alpha} + \frac{1 + 1/\ell}{1 + \rho}\Big) \|\Gamma_1\|_F^2
# + (1 + \rho)\Big(1 + \frac{2}{\ell}\Big) \|\gamma\|^2\right].
# $$
# (For the in-distribution error one uses instead the empirical moments $\hat\mu$, $\hat R$ of the
# pretraining tasks.)

# %%
walk.step("ICL case")

# %% [markdown]
# ## Results
#
# Every step of the registered derivation has been shown and verified. The derivation establishes
# Proposition 1 and its ICL specialisation:

# %%
walk.finish()

# %% [markdown]
# ## A numerical check against simulation
#
# The formula is exact at finite $d$, so it must agree with a Monte-Carlo estimate of the test error
# up to sampling noise. Take $d = 8$, $\alpha = 2$ ($\ell = 16$), $\rho = 0.25$ and a random $\Gamma$ (a
# shrunken identity plus Gaussian noise), and compare `error_of_gamma` with the mean squared error over
# $2 \times 10^5$ simulated test contexts, each sampled token by token:
#
# * **ICL:** every context has its own fresh task, uniform on the sphere ($\mu = 0$, $R = I_d$);
# * **IDG:** every context draws its task uniformly from $k = 3$ fixed tasks $w_1, w_2, w_3$, so
#   $\mu = \frac{1}{k}\sum_j w_j$ and $R = \frac{1}{k}\sum_j w_j w_j^T$.
#
# Everything is seeded; the difference must be below four standard errors.

# %%
import torch

from icl_sym.sim.errors import mc_test_error
from icl_sym.sim.sampling import make_generator, sample_contexts, sphere_tasks
from icl_sym.theories.lu2024 import error_of_gamma

d, alpha, rho = 8, 2.0, 0.25
ell = int(alpha * d)
n_test = 200_000
gen = make_generator(2024)
Gamma = torch.cat([0.8 * torch.eye(d, dtype=torch.float64), torch.zeros(d, 1, dtype=torch.float64)], dim=1)
Gamma += 0.2 * torch.randn(d, d + 1, generator=gen, dtype=torch.float64) / d**0.5

# ICL: a fresh task for every test context.
icl_contexts = sample_contexts(sphere_tasks(n_test, d, generator=gen), ell, rho, generator=gen)
icl_mc, icl_se = mc_test_error(Gamma, icl_contexts)
icl_exact = error_of_gamma(Gamma.numpy(), rho, alpha)

# IDG: test tasks drawn from k fixed tasks; Proposition 1 with their mean and second moment.
k = 3
tasks = sphere_tasks(k, d, generator=gen)
idg_contexts = sample_contexts(tasks[torch.randint(k, (n_test,), generator=gen)], ell, rho, generator=gen)
idg_mc, idg_se = mc_test_error(Gamma, idg_contexts)
W = tasks.numpy()
mu_hat, R_hat = W.mean(axis=0), W.T @ W / k
idg_exact = error_of_gamma(Gamma.numpy(), rho, alpha, mu_hat, R_hat)

for label, exact, mc, se in (("ICL", icl_exact, icl_mc, icl_se), ("IDG", idg_exact, idg_mc, idg_se)):
    z = (mc - exact) / se
    print(f"{label}: Proposition 1 = {exact:.5f}   Monte Carlo = {mc:.5f} ± {se:.5f}   ({z:+.2f} s.e.)")
    assert abs(z) < 4, f"{label}: Proposition 1 and Monte Carlo differ by {z:.1f} standard errors"

# %% [markdown]
# ## Export
#
# The registered formula is the single source of its LaTeX, its numeric functions and its exported
# code. Its export to a stand-alone Python function (first lines shown) evaluates to the same number as
# `error_of_gamma`:

# %%
import numpy as np

proposition1 = D.result("error_of_gamma")
source = proposition1.export("python")
print("\n".join(source.splitlines()[:16]))
print("    ...")

namespace: dict = {}
exec(source, namespace)  # the generated module defines lu2024_error_of_gamma(Gamma, mu, R, rho, alpha, d)
exported = namespace["lu2024_error_of_gamma"](Gamma.numpy(), mu_hat.reshape(d, 1), R_hat, rho, alpha, d)
print(f"exported function: {exported:.12f}   error_of_gamma: {idg_exact:.12f}")
assert np.isclose(exported, idg_exact, rtol=1e-12, atol=0)

# %% [markdown]
# ## The error along a family of predictors
#
# Proposition 1 gives the test error of *any* $\Gamma$; along $\Gamma_c = c\,[I_d, 0]$ (the same $d$,
# $\alpha$ and $\rho$ as above) it is a quadratic in $c$. The curve is the formula; the points are
# Monte-Carlo estimates ($2 \times 10^4$ fresh-task contexts each, ± two standard errors).

# %%
import matplotlib.pyplot as plt

def gamma_c(c: float) -> torch.Tensor:
    return torch.cat([c * torch.eye(d, dtype=torch.float64), torch.zeros(d, 1, dtype=torch.float64)], dim=1)

scales = np.linspace(0, 1.5, 61)
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
ax.plot(scales, [error_of_gamma(gamma_c(c).numpy(), rho, alpha) for c in scales], label="Proposition 1")
for c in (0.25, 0.75, 1.25):
    contexts = sample_contexts(sphere_tasks(20_000, d, generator=gen), ell, rho, generator=gen)
    mc, se = mc_test_error(gamma_c(c), contexts)
    ax.errorbar(c, mc, yerr=2 * se, fmt="ko", label="Monte Carlo" if c == 0.25 else None)
ax.set(xlabel=r"$c$ in $\Gamma = c\,[I_d, 0]$", ylabel="ICL test error", title=rf"$d = {d}$, $\alpha = {alpha:g}$, $\rho = {rho:g}$")
ax.legend()
plt.show()
