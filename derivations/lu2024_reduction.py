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
# # Linear attention is a linear model in the features $H_Z$
#
# *Lu, Letey, Zavatone-Veth, Maiti, Pehlevan (2025), §2 — registered as `lu2024.reduction`.*
#
# **Setting.** A context holds $\ell$ labelled examples $(x_i, y_i)$, $x_i \in \mathbb{R}^d$, and a query
# input $x := x_{\ell+1}$ whose label is unknown. The tokens $z_i = [x_i; y_i]$ and the query token
# $z_{\ell+1} = [x; 0]$ are the columns of
# $$
# Z = \begin{bmatrix} X & x \\ y^T & 0 \end{bmatrix} \in \mathbb{R}^{(d+1)\times(\ell+1)},
# \qquad X = [x_1, \dots, x_\ell], \quad y = (y_1, \dots, y_\ell)^T .
# $$
# One layer of linear self-attention with value matrix $V$ and key–query product $P = K^T Q$ maps
# $$
# A = Z + \frac{1}{\ell}\, V Z M \left(Z^T P Z\right), \qquad M = \mathrm{diag}(I_\ell, 0),
# $$
# where $M$ keeps the query out of the sum over tokens, and the prediction is the query's label slot,
# $\hat y = A_{d+1,\ell+1}$. Write $P$ and $V$ in blocks conformal with $z = [x; y]$:
# $$
# P = \begin{bmatrix} W_{11} & w_{12} \\ w_{21}^T & w_{22} \end{bmatrix}, \qquad
# V = \begin{bmatrix} V_{11} & v_{12} \\ v_1^T & v_2 \end{bmatrix}.
# $$
# We show, one checked step at a time, that $\hat y$ is linear in the single matrix
# $\Gamma \in \mathbb{R}^{d\times(d+1)}$: $\hat y = \langle \Gamma, H_Z \rangle = \mathrm{tr}(\Gamma H_Z^T)$ with the
# feature matrix $H_Z = x\, h^T$, $h = [s; q]$, $s = \frac{d}{\ell}\sum_i y_i x_i$ and $q = \frac{1}{\ell}\sum_i y_i^2$.
#
# Every identity below is polynomial in the entries of the matrices involved. Each step is checked
# *exactly*: the block expressions are expanded at explicit sizes $(d, \ell)$ with every entry an
# independent symbol, and both sides are compared as polynomials.

# %% [markdown]
# **Reading this document.** Each step below fetches the registered step, shows it as an equation
# (rendered math in Jupyter, LaTeX source in a terminal) and runs its check; a failed check stops the
# document with the checker's explanation. The helpers are defined once, here.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("lu2024.reduction")
D = walk.derivation

# %% [markdown]
# ## Step 1 — only the attention term reaches the query's label slot
#
# The entry $(d+1, \ell+1)$ of $Z$ is the query's label slot, which is $0$, so the residual $Z$ does not
# contribute to $\hat y$. What remains is the last row of $V$, which we write
# $v^T = [v_1^T, v_2]$, times $Z M Z^T P$ applied to the query token $z_{\ell+1} = [x; 0]$:
# $$
# \hat y = \frac{1}{\ell}\, v^T \Big( \sum_{i \le \ell} z_i z_i^T \Big) P z_{\ell+1},
# \qquad Z M Z^T = \sum_{i\le\ell} z_i z_i^T .
# $$

# %%
walk.step("query readout")

# %% [markdown]
# ## Step 2 — the value row reads only the labels
#
# Take $v_1 = 0$: the row of $V$ that writes the prediction ignores the input coordinates, which carry
# no information about the labels. Then $v^T z_i = v_2 y_i$, so
# $v^T \sum_i z_i z_i^T = v_2 \sum_i y_i z_i^T = v_2\,[\,y^T X^T,\ y^T y\,]$, while
# $P z_{\ell+1} = [W_{11} x;\ w_{21}^T x]$. Multiplying out,
# $$
# \hat y = \frac{v_2}{\ell}\left( y^T X^T W_{11} x + (y^T y)\, w_{21}^T x \right).
# $$

# %%
walk.step("value reads labels only")

# %% [markdown]
# ## Step 3 — collect the parameters into $\Gamma$
#
# Both terms are scalars, so each equals its transpose: $y^T X^T W_{11} x = x^T W_{11}^T X y$. Moving the
# factor $d/\ell$ onto the context statistic, the prediction is a bilinear form in the query $x$ and the
# context features $h = [s; q]$,
# $$
# \hat y = x^T \Gamma h, \qquad
# \Gamma = \Big[\tfrac{v_2}{d} W_{11}^T,\ v_2 w_{21}\Big], \qquad
# h = \begin{bmatrix} \frac{d}{\ell} X y \\ \frac{1}{\ell} y^T y \end{bmatrix}.
# $$
# The normalisation $d/\ell$ makes $s = \frac{d}{\ell} X y$ an $O(1)$ estimate of the task (Lemma 1 shows
# $\mathbb{E}[s \mid w] = w$); only the $d(d+1)$ entries of $\Gamma$ matter for the prediction.

# %%
walk.step("linear in the features h")

# %% [markdown]
# ## Step 4 — an inner product with the feature matrix
#
# A scalar equals its trace, and the trace is invariant under cyclic shifts:
# $$
# x^T \Gamma h = \mathrm{tr}\left(x^T \Gamma h\right) = \mathrm{tr}\left(\Gamma\, h x^T\right)
# = \mathrm{tr}\left(\Gamma H_Z^T\right) = \langle \Gamma, H_Z \rangle,
# \qquad H_Z := x\, h^T \in \mathbb{R}^{d\times(d+1)} .
# $$
# So linear attention is a linear model whose input is the feature matrix $H_Z$ of the whole context.

# %%
walk.step("inner product with H_Z")

# %% [markdown]
# ## Result
#
# Every step of the registered derivation has been shown and verified. The established formula — the
# prediction of single-layer linear attention as an inner product of $\Gamma$ with $H_Z$ (displayed with
# $H_Z^T = h x^T$ written out):

# %%
walk.finish()

# %% [markdown]
# ## The reduction, numerically
#
# The derivation holds for symbolic sizes; here it is drawn at $d = 5$, $\ell = 20$. For 200 random
# contexts and random attention weights (with $v_1 = 0$), the query-label entry of the full attention
# output $A = Z + \frac{1}{\ell} V Z M Z^T P Z$ is plotted against the registered readout
# $\langle \Gamma, H_Z \rangle$ with $\Gamma = [v_2 W_{11}^T / d,\ v_2 w_{21}]$: every point lies on the diagonal.

# %%
import matplotlib.pyplot as plt
import numpy as np

readout = D.result("readout").numeric("numpy")
rng = np.random.default_rng(np.random.SeedSequence(7))
d_value, ell_value = 5, 20
mask = np.diag(np.r_[np.ones(ell_value), 0.0])
full, reduced = [], []
for _ in range(200):
    X_value, y_value, x_value = (rng.standard_normal((d_value, ell_value)), rng.standard_normal((ell_value, 1)),
                                 rng.standard_normal((d_value, 1)))
    Z_value = np.block([[X_value, x_value], [y_value.T, np.zeros((1, 1))]])
    P_value = rng.standard_normal((d_value + 1, d_value + 1))
    V_value = rng.standard_normal((d_value + 1, d_value + 1))
    V_value[d_value, :d_value] = 0.0  # v_1 = 0
    A_value = Z_value + V_value @ Z_value @ mask @ Z_value.T @ P_value @ Z_value / ell_value
    v2_value = V_value[d_value, d_value]
    Gamma_value = np.hstack([v2_value * P_value[:d_value, :d_value].T / d_value,
                             v2_value * P_value[d_value, :d_value].reshape(d_value, 1)])
    full.append(A_value[d_value, ell_value])
    reduced.append(readout(Gamma_value, X_value, y_value, x_value, d_value, ell_value))
full, reduced = np.array(full), np.array(reduced, dtype=float)
assert np.allclose(full, reduced, rtol=1e-10, atol=1e-10 * np.abs(full).max())
fig, ax = plt.subplots(figsize=(4, 4), layout="constrained")
ax.plot(full, reduced, "o", ms=3)
ax.axline((0, 0), slope=1, color="k", lw=0.8)
ax.set(xlabel=r"full attention $A_{d+1,\ell+1}$", ylabel=r"readout $\langle\Gamma, H_Z\rangle$",
       title=rf"$d = {d_value}$, $\ell = {ell_value}$")
plt.show()
