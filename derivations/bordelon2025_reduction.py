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
# # Deep linear attention is $L$ steps of preconditioned in-context gradient descent
#
# *Bordelon, Letey, Pehlevan (2026), Sec. 2.1–2.2 and App. B — registered as `bordelon2025.reduction`.*
#
# **Setting.** A context holds $P$ labelled tokens $(x_\nu, y_\nu)$, $x_\nu \in \mathbb{R}^D$, and $K$ query
# tokens $x_{P+1}, \dots, x_{P+K}$ whose labels are masked to 0. A depth-$L$ residual linear-attention network
# updates the residual stream of every token by
# $$
# h^{\ell+1}_\mu = h^\ell_\mu + \frac{1}{LP} \sum_{\nu=1}^{P} M_{\mu\nu}\,(k^\ell_\nu \cdot q^\ell_\mu)\, v^\ell_\nu,
# \qquad
# M_{\mu\nu} = \begin{cases} -1 & \mu \le P \text{ (training token)} \\ +1 & \mu > P \text{ (query token)} \end{cases}
# $$
# with $q = W_q h$, $k = W_k h$, $v = W_v h$. Only labelled tokens act as keys and values; the sign of the mask
# makes training tokens carry residuals and query tokens accumulate the prediction, which is read from the label
# slot after $L$ layers.
#
# We store $x$ and the label in orthogonal parts of the residual stream, $h = [x; \Delta] \in \mathbb{R}^{D+1}$,
# and let queries and keys read only $x$ and values write only the label slot:
# $W_q = \mathrm{diag}(Q_\ell, 0)$, $W_k = \mathrm{diag}(K_\ell, 0)$, $W_v = \mathrm{diag}(0, v_\ell)$. This is the
# alignment of the paper's App. B.2, and the whole network then collapses to the matrices
# $\Gamma^\ell = v_\ell K_\ell^T Q_\ell$.
#
# **What is proved.** (i) The label slot follows the *reduced-$\Gamma$ recursion*
# $\Delta^{\ell+1}_\mu = \Delta^\ell_\mu + \frac{1}{LP}\sum_\nu M_{\mu\nu}\, x_\nu^T \Gamma^\ell x_\mu\, \Delta^\ell_\nu$;
# (ii) with tied weights it is exactly $L$ steps of gradient descent with step $1/L$ and preconditioner $\Gamma$;
# (iii) for a linear teacher the test error has a closed form — with a corrected noise term.
#
# The identities are polynomial in every entry, so they are checked **exactly** with symbolic matrices at
# explicit sizes (SymPy), **numerically** at random sizes and weights (30 digits), and, where the sizes can stay
# symbolic, as matrix-expression identities for all sizes.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.reduction")

# %% [markdown]
# ## From the architecture to the reduced model
#
# ### Step 1 — the label slot follows the reduced-$\Gamma$ recursion
#
# Because values write only the label slot, the $x$-part of every token never changes, and
# $k_\nu \cdot q_\mu = x_\nu^T K_\ell^T Q_\ell x_\mu$. The label slot of token $\mu$ therefore receives
# $\frac{1}{LP}\sum_\nu M_{\mu\nu}\, x_\nu^T K_\ell^T Q_\ell x_\mu\, v_\ell \Delta^\ell_\nu$, which is the reduced
# recursion with $\Gamma^\ell = v_\ell K_\ell^T Q_\ell$. The check runs the full architecture (queries, keys and
# values of dimension $D+1$, the mask, the $1/(LP)$ scaling) with symbolic $Q_\ell$, $K_\ell$, $v_\ell$, tokens and
# labels, for untied layers, and compares the query readouts with the recursion.

# %%
walk.step("architecture to reduced Gamma")

# %% [markdown]
# ### Step 2 — the same at random sizes
#
# The left side is the largest difference between the two readouts at a random instance (sizes
# $D \le 5$, $P \le 6$, $K \le 3$, $L \le 4$, Gaussian weights) chosen by the seed $s$, computed with 30-digit
# arithmetic; it must vanish to that precision.

# %%
walk.step("architecture to reduced Gamma, random sizes")

# %% [markdown]
# ## The reduced model is gradient descent
#
# Take the in-context least-squares objective $\hat{\mathcal{L}}(\beta) = \frac{1}{2P}\|D^{-1/2}X^T\beta - y\|^2$
# with $X = [x_1 \dots x_P] \in \mathbb{R}^{D \times P}$, and run preconditioned GD from $\beta^0 = 0$ with step
# $D/L$:
# $$
# \beta^{\ell+1} = \beta^\ell + \frac{\sqrt{D}}{LP}\, \Gamma^T X\, h^\ell, \qquad h^\ell = y - D^{-1/2} X^T \beta^\ell .
# $$
# (The preconditioner is $\Gamma^T$ because the attention kernel is $x_\nu^T \Gamma x_\mu$: the paper writes
# $\Gamma$; the two agree for the symmetric $\Gamma$ of every setting it studies.)
#
# ### Step 3 — the GD residual obeys the training-token recursion
#
# One step multiplies the residual by $I - \frac{1}{LP}X^T\Gamma^T X$, exactly what the mask's $-1$ does to the
# training tokens' label slots. Both start at $y$, so $h^\ell = \Delta^\ell$ on training tokens at every layer.
# This is a matrix identity with symbolic sizes $D$, $P$.

# %%
walk.step("residual of one GD step")

# %% [markdown]
# ### Step 4 — the prediction grows the same way
#
# A query token's label slot grows by $\frac{1}{LP}x_\star^T\Gamma^T X \Delta^\ell$ per layer (mask $+1$), and so does
# the GD prediction $D^{-1/2} x_\star \cdot \beta^\ell$. Both start at 0, so after $L$ layers the network outputs
# $f_\star = D^{-1/2}\beta^L \cdot x_\star$.

# %%
walk.step("prediction of one GD step")

# %% [markdown]
# ### Step 5 — push-through
#
# Moving $\Gamma^T X$ through each factor of the $P \times P$ recursion gives the $D \times D$ form used in the
# theory:
# $$
# \beta^L = \frac{\sqrt{D}}{LP}\, \Gamma^T \sum_{\ell=0}^{L-1} \big(I - L^{-1}\hat\Sigma\Gamma^T\big)^\ell X y,
# \qquad \hat\Sigma = \frac{1}{P} X X^T .
# $$
# (With $X \in \mathbb{R}^{D\times P}$ the vector is $X y$; the paper's main text writes $X^T y$.)

# %%
walk.step("push-through")

# %% [markdown]
# ### Step 6 — deep attention is $L$ steps of GD, exactly
#
# Steps 3–5 hold for all sizes; as an end-to-end check the reduced recursion with tied $\Gamma$ is compared with
# $L$ explicit GD iterations, with symbolic entries, at several explicit sizes and depths $L = 1, 2, 3$.

# %%
walk.step("deep attention is L steps of GD")

# %% [markdown]
# ### Step 7 — and at random sizes
#
# The architecture itself (tied weights) against GD with preconditioner $(v K^T Q)^T$, at random sizes and
# weights, 30 digits.

# %%
walk.step("deep attention is L steps of GD, random sizes")

# %% [markdown]
# ## The test error for a linear teacher
#
# ### Step 8 — bias and noise terms
#
# Let $y = D^{-1/2}X^T\beta_\star + \sigma\epsilon$ with $\langle \beta_\star\beta_\star^T\rangle = \Omega$,
# $\epsilon \sim \mathcal{N}(0, I_P)$, and test inputs with covariance $\Sigma$. Then (now writing $\Gamma$ for the GD
# preconditioner)
# $$
# \beta^L - \beta_\star = -A\beta_\star + \frac{\sigma\sqrt{D}}{LP}\Gamma S X \epsilon, \qquad
# A = (I - L^{-1}\Gamma\hat\Sigma)^L, \quad S = \sum_{\ell<L} (I - L^{-1}\hat\Sigma\Gamma)^\ell ,
# $$
# and the reducible error $\ell - \sigma^2 = \frac1D\langle(\beta^L - \beta_\star)^T\Sigma(\beta^L-\beta_\star)\rangle$ is
# $$
# \mathrm{tr}\big[\Omega A^T \Sigma A\big] + \frac{\sigma^2}{\alpha L^2}\, \mathrm{tr}\big[\Sigma\Gamma S \hat\Sigma S^T \Gamma^T\big],
# \qquad \alpha = P/D,\ \mathrm{tr} = \tfrac{1}{D}\mathrm{Tr}.
# $$
# The paper prints the noise term without $\Sigma$ and with the unnormalised trace; the two agree only for
# $\Sigma = I$ after the normalisation. The check runs the GD iteration with symbolic $X$, $\Gamma$, $\Sigma$, $\Omega$,
# teacher and noise, averages the error exactly over the teacher and the noise by their moments, and compares with
# the stated form (with $A$, $S$, $\hat\Sigma$ built from the same symbolic matrices).

# %%
walk.step("test error for a linear teacher")

# %% [markdown]
# ## Result
#
# For ISO data ($\Sigma = \Omega = I$, $\Gamma = \gamma I$) the bias term is $\mathrm{tr}(I - \gamma\hat\Sigma/L)^{2L}$,
# whose average over contexts is the Marchenko–Pastur integral studied in `bordelon2025_iso`.

# %%
walk.finish()

# %% [markdown]
# ## The reduction, drawn
#
# **Left:** one random context ($D = 8$, $P = 16$, 64 query tokens, labels from a linear teacher with noise) and
# one random tied layer $(Q, K, v)$: the query readouts of the depth-$L$ network (`attention_forward`) against
# $L$ steps of gradient descent with preconditioner $(vK^TQ)^T$ (`gradient_descent_forward`). The points sit on
# the diagonal to rounding, at every depth (Steps 6–7).
#
# **Right:** the test error of Step 8 at the same context for $\Gamma = (vK^TQ)^T$ of growing scale $v$: the
# closed form (`linear_teacher_error`, with the corrected noise term) against GD run on 500 sampled teachers
# $\beta_\star \sim \mathcal{N}(0, I)$ and label noises. One step overshoots when the preconditioner is large;
# four steps of a quarter of the size do not.

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025.reduction import attention_forward, gradient_descent_forward, linear_teacher_error

rng = np.random.default_rng(np.random.SeedSequence(2025))
dim, context, queries, noise = 8, 16, 64, 0.25  # α = P/D = 2, label-noise variance σ² = 0.25
root_dim = np.sqrt(dim)
Q = np.eye(dim) + 0.2 * rng.standard_normal((dim, dim))
K = np.eye(dim) + 0.2 * rng.standard_normal((dim, dim))
tokens = rng.standard_normal((dim, context + queries))  # x ~ N(0, I): Σ = I
X = tokens[:, :context]


def labels_of(teachers):
    """y = D^{-1/2} Xᵀβ⋆ + σε on the P training tokens, one column per teacher β⋆ (a column of ``teachers``)."""
    return X.T @ teachers / root_dim + np.sqrt(noise) * rng.standard_normal((context, teachers.shape[1]))


fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
v = 0.4
labels = labels_of(rng.standard_normal((dim, 1)))[:, 0]
largest = 0.0
for depth in (1, 2, 4, 8, 16):
    network = attention_forward(tokens, labels, [(Q, K, v)] * depth)
    # the attention kernel is x_νᵀ(v KᵀQ)x_μ, so GD's preconditioner is its transpose
    _, descent = gradient_descent_forward(tokens, labels, (v * K.T @ Q).T, depth, root_dim)
    largest = max(largest, np.max(np.abs(network - descent)))
    left.plot(descent, network, ".", ms=5, label=f"$L = {depth}$")
span = np.array(left.get_xlim())
left.plot(span, span, "k:", lw=0.8)
left.set(xlabel=r"$L$ steps of preconditioned GD: $D^{-1/2}\beta^L \cdot x_\star$",
         ylabel="deep linear attention: query readout",
         title=f"{queries} queries, tied weights (largest gap {largest:.1e})")
left.legend(fontsize=8)

teachers = rng.standard_normal((dim, 500))  # Ω = I
labels = labels_of(teachers)
identity = np.eye(dim)
scales = np.linspace(0.02, 0.5, 9)
for depth in (1, 4):
    theory, sampled, error_bar = [], [], []
    for scale in scales:
        gamma = (scale * K.T @ Q).T
        theory.append(linear_teacher_error(gamma, X, identity, identity, noise, depth))
        errors = np.array([np.sum((gradient_descent_forward(tokens, y, gamma, depth, root_dim)[0] - teacher) ** 2)
                           for y, teacher in zip(labels.T, teachers.T)]) / dim  # Σ = I
        sampled.append(errors.mean())
        error_bar.append(2 * errors.std(ddof=1) / np.sqrt(errors.size))
    line, = right.plot(scales, theory, label=f"closed form, $L = {depth}$")
    right.errorbar(scales, sampled, yerr=error_bar, fmt="o", ms=3, capsize=2, color=line.get_color(),
                   label=f"sampled, $L = {depth}$ (±2 s.e.)")
right.set(xlabel=r"scale $v$ of $\Gamma = (v K^T Q)^T$", ylabel=r"reducible error $\ell - \sigma^2$",
          title=rf"linear teacher, one context ($D = {dim}$, $P = {context}$, $\sigma^2 = {noise}$)")
right.legend(fontsize=8)
plt.show()
