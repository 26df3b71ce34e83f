"""The finite-d simulation protocol of Lu et al.: exact scoring, convergence to the theory, clear errors."""

import math

import pytest
import torch

from icl_sym.core.validation import ParameterError
from icl_sym.sim.errors import mc_test_error
from icl_sym.sim.lu2024 import simulate_errors
from icl_sym.sim.lu2024.pretrain import ridge_gamma
from icl_sym.sim.lu2024.tasks import pretraining_tasks
from icl_sym.sim.sampling import make_generator, sample_sufficient, sphere_tasks
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg
from icl_sym.theories.lu2024.error_of_gamma import error_of_gamma

KEYS = {"icl_mean", "icl_std", "idg_mean", "idg_std", "icl", "idg", "d", "alpha", "kappa", "tau", "rho", "lam",
        "draws", "seed", "device", "seconds"}


def test_proposition1_scores_gamma_star_like_monte_carlo():
    d, ell, rho, n_test = 8, 16, 0.1, 200_000
    gen = make_generator(11)
    pool = pretraining_tasks(d, 0.5, 2.0, generator=gen)
    gamma = ridge_gamma(sample_sufficient(pool.context_tasks(), ell, rho, generator=gen), 0.5)
    fresh = sample_sufficient(sphere_tasks(n_test, d, generator=gen), ell, rho, generator=gen)
    seen = sample_sufficient(pool.tasks[torch.randint(pool.k, (n_test,), generator=gen)], ell, rho, generator=gen)
    for contexts, moments in ((fresh, ()), (seen, pool.moments())):
        exact = float(error_of_gamma(gamma, rho, ell / d, *moments, backend="torch"))
        mc, se = mc_test_error(gamma, contexts)
        assert abs(exact - mc) < 4 * se, (exact, mc, se)


def test_result_keys_and_reproducibility():
    r = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=3, seed=4)
    assert KEYS <= set(r.as_dict())
    assert (r.ell, r.k, r.n, r.device) == (12, 3, 54, "cpu")
    assert len(r.icl) == len(r.idg) == 3
    assert r.icl_mean == pytest.approx(sum(r.icl) / 3) and r.icl_std > 0
    # Draw j depends on (seed, j) only, not on how many draws are run or on the sampler's name order.
    assert simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=2, seed=4).icl == r.icl[:2]
    later = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=2, seed=4, first_draw=1)
    assert (later.icl, later.idg) == (r.icl[1:], r.idg[1:])
    assert simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=1, seed=4).icl_std is None
    assert simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=1, seed=5).icl != r.icl[:1]


def test_infinite_diversity_idg_is_icl_and_samplers_agree_on_average():
    r = simulate_errors(6, 2, math.inf, 1.5, 0.1, 0.5, draws=2, seed=0)
    assert r.idg == r.icl and r.k == r.n == 54
    direct = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=60, seed=1, sampler="direct")
    suff = simulate_errors(6, 2, 0.5, 1.5, 0.1, 0.5, draws=60, seed=1, sampler="sufficient")
    for key in ("icl", "idg"):
        se = math.hypot(getattr(direct, f"{key}_std"), getattr(suff, f"{key}_std")) / 60**0.5
        assert abs(getattr(direct, f"{key}_mean") - getattr(suff, f"{key}_mean")) < 4 * se


# (τ, α, κ, ρ, λ): ridge and ridgeless, finite and infinite κ, τ < 1 and τ > 1
# (docs/theory/lu2024.md §9.1 reference points; ridgeless is λ = 1e-5 as in the authors' simulations).
CASES = [
    (1.5, 5, 0.5, 0.1, 1.0),
    (2, 2, 1, 0.1, 0.5),
    (1.5, 10, math.inf, 0.01, 1.0),
    (0.7, 2, 0.5, 0.1, 0.3),
    (2, 1, 0.5, 0.01, 1e-5),
    (0.5, 10, 2, 0.1, 1e-5),
    (1.5, 10, math.inf, 0.01, 1e-5),
]
SMALL, LARGE = (8, 400), (24, 100)  # (d, draws)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "tau{}-alpha{}-kappa{}-rho{}-lam{}".format(*c))
def test_simulation_approaches_theory_as_d_grows(case):
    tau, alpha, kappa, rho, lam = case
    theory = {"icl": float(e_icl(*case)), "idg": float(e_idg(*case))}
    runs = {d: simulate_errors(d, alpha, kappa, tau, rho, lam, draws=draws, seed=0) for d, draws in (SMALL, LARGE)}
    for key, value in theory.items():
        (gap_s, se_s), (gap_l, se_l) = ((getattr(r, f"{key}_mean") - value, getattr(r, f"{key}_std") / r.draws ** 0.5)
                                        for r in runs.values())
        if gap_s > 4 * se_s:  # a resolved finite-size bias at the small d: it must shrink like 1/d
            assert gap_s - gap_l > 2.5 * math.hypot(se_s, se_l), (key, gap_s, gap_l)
            assert abs(gap_l) < 0.6 * gap_s, (key, gap_s, gap_l)
        else:  # already within noise at the small d: it must stay there
            assert abs(gap_l) < 4 * se_s, (key, gap_s, gap_l)


@pytest.mark.parametrize("kwargs, message", [
    (dict(d=1), "d must be an integer >= 2"),
    (dict(d=2.5), "d must be an integer >= 2"),
    (dict(alpha=0.1), "alpha must be large enough for ell = round\\(alpha\\*d\\) >= 2"),
    (dict(alpha=-1), "alpha must be real in \\(0, inf\\)"),
    (dict(kappa=0), "kappa must be real in \\(0, inf\\) or inf"),
    (dict(kappa=float("nan")), "kappa must be real in \\(0, inf\\) or inf"),
    (dict(kappa=40), "kappa must be at most about tau\\*d = 12: k = round\\(kappa\\*d\\) = 320 tasks"),
    (dict(tau=0), "tau must be real in \\(0, inf\\)"),
    (dict(tau=math.inf), "tau must be real in \\(0, inf\\)"),
    (dict(rho=-0.1), "rho must be real in \\[0, inf\\)"),
    (dict(lam=-1e-3), "lam must be real in \\[0, inf\\)"),
    (dict(draws=0), "draws must be an integer >= 1"),
    (dict(first_draw=-1), "first_draw must be an integer >= 0"),
    (dict(seed=-1), "seed must be an integer >= 0"),
    (dict(device="tpu"), "device must be a torch device such as cpu or cuda"),
    (dict(device="meta"), "device must be cpu or cuda"),
    (dict(sampler="fast"), "sampler must be one of direct, sufficient"),
    (dict(solver="lu"), "solver must be one of auto, primal, dual, cg"),
    (dict(assignment="shuffled"), "assignment must be one of equal, random"),
])
def test_bad_input_names_the_parameter(kwargs, message):
    args = dict(d=8, alpha=2, kappa=0.5, tau=1.5, rho=0.1, lam=0.5, draws=1, seed=0) | kwargs
    with pytest.raises(ParameterError, match=message):
        simulate_errors(**args)


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error where CUDA is missing")
def test_unavailable_cuda_is_a_clear_error():
    with pytest.raises(ParameterError, match="device must be an available device \\(cuda is not available"):
        simulate_errors(8, 2, 0.5, 1.5, 0.1, 0.5, draws=1, seed=0, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_gives_the_cpu_errors():
    cpu = simulate_errors(8, 2, 0.5, 1.5, 0.1, 0.5, draws=2, seed=0)
    cuda = simulate_errors(8, 2, 0.5, 1.5, 0.1, 0.5, draws=2, seed=0, device="cuda")
    assert cuda.device.startswith("cuda")
    for key in ("icl", "idg"):
        assert cuda[key] == pytest.approx(cpu[key], rel=1e-9)
