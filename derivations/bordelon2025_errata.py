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
# # Errata of the scaling-law paper
#
# *Bordelon, Letey, Pehlevan (2025) — registered as `bordelon2025.errata`; the ledger is also available as
# data, `icl_sym.theories.bordelon2025.errata.LEDGER`.*
#
# Each erratum below states what is printed and what is correct, and proves it: the corrected statement is
# verified (exactly, by quadrature, or by a fit on exact sums) and, wherever the printed statement is a
# definite formula, a second step **refutes** it — an identity check that runs and fails, or a fitted exponent
# that lies many error bars away. The ISO errata are checked from scratch here (Marchenko-Pastur moments by
# quadrature, Result 10's closed forms), independently of the ISO module.

# %%
from icl_sym.notebook import Walkthrough

walk = Walkthrough("bordelon2025.errata")

# %% [markdown]
# ## ERR-1: Sec. 2.2 (predictor of the looped model)
# Printed: `f = (1/(LP)) x*^T Gamma sum_l (I - Sigma_hat Gamma / L)^l X^T y, with Sigma_hat = X X^T / P`.
#
# Corrected: `... X y (X in R^{D x P}); App. C.1's X in R^{P x D} with Sigma_hat = X^T X / P is the other consistent choice`.

# %%
walk.step("ERR-1: push-through with X ∈ R^{D×P}")

# %%
walk.step("ERR-1: printed Xᵀy needs P = D")

# %% [markdown]
# ## ERR-2: Sec. 2.2 / App. B (test error with label noise)
# Printed: `(sigma^2/(alpha L^2)) Tr Gamma^T Gamma sum_{l,l'} (I - Gamma Sigma_hat/L)^l Sigma_hat [(..)^{l'}]^T`.
#
# Corrected: `(sigma^2/(alpha L^2)) tr[Sigma Gamma S Sigma_hat S^T Gamma^T], S = sum_l (I - Sigma_hat Gamma/L)^l, tr normalised`.

# %%
walk.step("ERR-2: noise term")

# %%
walk.step("ERR-2: printed noise term")

# %% [markdown]
# ## ERR-3: Sec. 3.1 (after Result 1)
# Printed: `L = 1: L_star = (1 + alpha)^{-2}`.
#
# Corrected: `L = 1: L_star = 1/(1 + alpha) (the printed value is (1/D)|Gamma_star - I|^2, without the fluctuation term)`.

# %%
walk.step("ERR-3: Marchenko-Pastur first moment")

# %%
walk.step("ERR-3: Marchenko-Pastur second moment")

# %%
walk.step("ERR-3: one-step optimum")

# %%
walk.step("ERR-3: printed one-step optimum")

# %%
walk.step("ERR-3: origin of the printed value")

# %% [markdown]
# ## ERR-4: Result 10 / App. C.1
# Printed: `C(t) = a^t + b (1 - a^t)/(1 - a), i.e. C(0) = 1`.
#
# Corrected: `C(0) = r^{-2}, r = 1 + (1 + sigma^2)/alpha: C(t) = a^t / r^2 + b (1 - a^t)/(1 - a)`.

# %%
walk.step("ERR-4: C(0) from Γ(0) = 0")

# %%
walk.step("ERR-4: the loss starts at 1")

# %%
walk.step("ERR-4: printed C(0) = 1")

# %% [markdown]
# ## ERR-5: Result 4 / App. D (FS time exponent)
# Printed: `L(t) ~ t^{-beta/(nu + nu beta + 1)}; crossover k^{-2 nu - nu beta}`.
#
# Corrected: `L(t) ~ t^{-nu beta/(nu beta + 2 nu + 1)}; crossover from omega_k lambda_k^3 = k^{-nu beta - 2 nu - 1}`.

# %%
walk.step("ERR-5: crossover power")

# %%
walk.step("ERR-5: printed crossover power")

# %%
walk.step("ERR-5: fit accepts the correction")

# %%
walk.step("ERR-5: fit rejects the printed exponent")

# %% [markdown]
# ## ERR-GF: App. C.2 vs App. D, F (gradient-flow time convention)
# Printed: `Result 4's closed form gamma_k = ln(1 + 4 omega lambda^3 t)/(2 lambda) next to the main-text flow d gamma/dt = omega lambda^2 (..)^{2L-1}`.
#
# Corrected: `the 4 belongs to App. D's flow d gamma/dt = 2 omega lambda^2 (..)^{2L-1}; with the main-text flow it is 2`.

# %%
walk.step("ERR-GF: main-text flow gives 2")

# %%
walk.step("ERR-GF: the 4 does not solve the main-text flow")

# %% [markdown]
# ## ERR-6: Result 7 (two-point deterministic equivalent)
# Printed: `i omega_A(tau) i omega_B(tau) = ((tau - 1)/tau) i omega`.
#
# Corrected: `((1 - tau)/tau) i omega, as derived in App. A and used in App. F`.

# %%
walk.step("ERR-6: printed sign has no physical root")

# %% [markdown]
# ## ERR-7: App. G.2 / Result 9 (full linear attention)
# Printed: `w(t) = t^{5/(5 beta + 2)}; d w/dt = w^4 tr Lambda^2 Omega (I - w^5 Lambda)^{2L-1}`.
#
# Corrected: `gamma = 2 w^5 grows as t^{5/(5 beta + 2)}, so w ~ t^{1/(5 beta + 2)}; the bracket is (I - 2 w^5 Lambda/L)`.

# %%
walk.step("ERR-7: w grows as t^{1/(5β+2)}")

# %%
walk.step("ERR-7: printed growth of w")

# %%
walk.step("ERR-7: γ = 2w⁵ at balance")

# %% [markdown]
# ## ERR-9: Result 9 and Result 8 (notation)
# Printed: `balanced init 1/2|W_x|^2 = |W_k|^2 = |W_q|^2 = |W_k|^2; source condition sum_{l>k} lambda_l omega_k`.
#
# Corrected: `the fourth is |W_v|^2 (its balance with W_k is conserved); omega_l is meant (omega_k gives the same exponent)`.

# %%
walk.step("ERR-9: W_v balance is conserved")

# %%
walk.step("ERR-9: ω_k reading has the same exponent")

# %% [markdown]
# ## ERR-10: App. E (RRS gradient)
# Printed: `M = I - O^T Gamma O Sigma_hat (no 1/L)`.
#
# Corrected: `M = I - L^{-1} O^T Gamma O Sigma_hat`.

# %%
walk.step("ERR-10: gradient with 1/L")

# %%
walk.step("ERR-10: printed gradient without 1/L")

# %% [markdown]
# ## ERR-12: App. F.2 (depth floor)
# Printed: `the optimal step is gamma_star ~ L/lambda_1`.
#
# Corrected: `numerically gamma_star is 1.7-2 L/lambda_1, near the stability edge 2L/lambda_1; the L^{-beta} law holds`.

# %%
walk.step("ERR-12: optimal step near the stability edge")

# %% [markdown]
# ## ERR-13: App. F.4 (width and context floors)
# Printed: `both floors z^2 sum_k lambda_k omega_k/(z + lambda_k)^2, with sum_k lambda_k/(z + lambda_k) = N (width) or P (context)`.
#
# Corrected: `width: z sum_k lambda_k omega_k/(z + lambda_k), the error of projecting onto a random N-dim subspace; context: r^2 sum_k lambda_k omega_k/(r + lambda_k)^2 / (1 - P^{-1} sum_k lambda_k^2/(r + lambda_k)^2), the ridgeless bias`.
#
# The Monte Carlo draws the t, L → ∞ limits themselves (`icl_sym.theories.bordelon2025.floor_monte_carlo`).

# %%
walk.step("ERR-13: width floor against Monte Carlo")

# %%
walk.step("ERR-13: printed width floor against Monte Carlo")

# %%
walk.step("ERR-13: context floor against Monte Carlo")

# %%
walk.step("ERR-13: printed context floor against Monte Carlo")

# %%
walk.step("ERR-13: printed floors at Λ = I")

# %% [markdown]
# ## ERR-14: Result 8 (compute-optimal shape) beyond β = 1
# Printed: `the separable law with c_N N^{-nu beta} for every beta: loss C^{-nu beta/((3 + beta) nu + 2)}, L ~ N^nu`.
#
# Corrected: the width term is App. F.4's floor, $N^{-\nu\min(\beta,1)}$ (ERR-13). For β > 1 the optimum of the
# law at fixed compute has loss $C^{-\nu\beta/((3+\beta)\nu+2\beta)}$ and shape $L \propto N^{\nu/\beta}$
# (bordelon2025.compute_optimal derives it for a general width exponent). The evidence is a numerical
# minimisation of the corrected law, independent of the closed form.

# %%
walk.step("ERR-14: frontier exponent for β > 1")

# %%
walk.step("ERR-14: printed frontier exponent for β > 1")

# %%
walk.step("ERR-14: L ∝ N^{ν/β} for β > 1")

# %%
walk.step("ERR-14: printed L ∝ N^ν for β > 1")

# %%
walk.finish()

# %% [markdown]
# ## Two errata, drawn
#
# **ERR-3 (left).** The optimal one-layer ISO loss: the corrected $1/(1+\alpha)$ (the package's `iso_optimal_loss` at
# $L = 1$) and the printed $(1+\alpha)^{-2}$, with one step of GD at the optimal step $\Gamma = \frac{\alpha}{1+\alpha}I$
# on sampled contexts ($x \sim \mathcal{N}(0, I_D)$, $D = 100$, $P = \alpha D$, four contexts per point; the
# error is `linear_teacher_error` of `bordelon2025_reduction`, averaged exactly over the teacher). The samples
# sit on the corrected curve; the printed one drops the fluctuation $\alpha/(1+\alpha)^2$ of the sample
# covariance.
#
# **ERR-5 (right).** The FS loss of Result 4 at infinite depth (`fs_loss`, $(\nu, \beta) = (2, 0.5)$, $2\times10^4$
# modes) with the corrected and the printed power laws drawn through its last point: the loss follows the
# corrected exponent $1/6$ over six decades, not the printed $1/8$.

# %%
import matplotlib.pyplot as plt
import numpy as np

from icl_sym.theories.bordelon2025 import fs_loss, fs_time_exponent, iso_optimal_loss
from icl_sym.theories.bordelon2025.reduction import linear_teacher_error
from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")

# ERR-3: one-step GD at its optimal step, Γ = α/(1+α) I, on sampled contexts x ~ N(0, I_D), P = αD.
alphas = np.logspace(-1, 1, 100)
left.plot(alphas, iso_optimal_loss(alphas, 1), label=r"corrected: $1/(1+\alpha)$")
left.plot(alphas, (1 + alphas) ** -2.0, "--", label=r"printed: $(1+\alpha)^{-2}$")
rng = np.random.default_rng(np.random.SeedSequence(3))
dim, identity = 100, np.eye(100)
sampled_alphas = np.array([0.2, 0.5, 1.0, 2.0, 5.0])
sampled = [np.mean([linear_teacher_error(a / (1 + a) * identity, rng.standard_normal((dim, round(a * dim))),
                                         identity, identity, 0.0, 1) for _ in range(4)]) for a in sampled_alphas]
left.plot(sampled_alphas, sampled, "ko", ms=4, label=f"sampled contexts, $D = {dim}$")
left.set(xscale="log", yscale="log", xlabel=r"$\alpha = P/D$", ylabel=r"optimal one-layer loss $\mathcal{L}_\star$",
         title="ERR-3: ISO, $L = 1$ (Sec. 3.1)")
left.legend(fontsize=8)

# ERR-5: the FS loss at infinite depth against the corrected and the printed time exponent.
nu_, beta_ = 2.0, 0.5
spectrum = power_law_spectrum(20_000, nu_, beta_)
times = np.logspace(2, 8, 60)
loss = fs_loss(times, np.inf, spectrum.eigenvalues, spectrum.weights)
corrected = fs_time_exponent(nu_, beta_)
printed = beta_ / (nu_ + nu_ * beta_ + 1)
right.plot(times, loss, lw=2, label=r"FS loss, $L = \infty$")
right.plot(times, loss[-1] * (times / times[-1]) ** -corrected, "k:",
           label=rf"corrected: $t^{{-\nu\beta/(\nu\beta+2\nu+1)}} = t^{{-{corrected:.3f}}}$")
right.plot(times, loss[-1] * (times / times[-1]) ** -printed, "--",
           label=rf"printed: $t^{{-\beta/(\nu+\nu\beta+1)}} = t^{{-{printed:.3f}}}$")
right.set(xscale="log", yscale="log", xlabel="training time $t$", ylabel="loss",
          title=rf"ERR-5: FS time exponent, $(\nu, \beta) = ({nu_:g}, {beta_:g})$")
right.legend(fontsize=8)
plt.show()
