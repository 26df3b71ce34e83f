"""Validation: this project's d = 100 simulations against the authors' stored d = 100 simulations (Lu et al. 2025).

The authors' values, with their draw-to-draw standard deviations, are read from
results/lu2024/authors_d100_reference.csv (copied from the repository mletey/incontext-cleanup at the commit
and paths recorded there): Fig. 2A (τ = 0.5, ρ = 0.5; α = 1, 100, 1000) and Fig. 4 (ρ = 0.01).

Two simulations of ours per point, with independent random draws:

- "project": this project's protocol (tasks on the sphere ‖w‖² = d, so that Proposition 1 is the test
  error; equal repetition; (n/d)λ ridge; λ of the paper's parameter sheets, 1e-6 for Fig. 2, 1e-5 for Fig. 4);
  per-draw rows in results/lu2024/authors_d100.csv;
- "authors" (Fig. 4 only, ``--authors-protocol``): what the authors' stored Fig. 4 runs did, which differs in
  two places (icl_sym.theories.lu2024.errata): unnormalised Gaussian tasks w ~ N(0, I_d) and λ = 1e-6, still
  scored by Proposition 1 with the pool's moments; per-draw rows in results/lu2024/authors_protocol_d100.csv.

z = (ours − authors) / √(se_ours² + se_authors²), with se = sample std / √draws for ours and, for theirs,
np.std (ddof = 0) / √(draws − 1). The table goes to results/lu2024/authors_d100.md.

Run: python validation/lu2024_authors_d100.py [--draws 10] [--authors-protocol] [--device cpu]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import math
import statistics
import sys
from pathlib import Path

from icl_sym.experiments.store import ResultStore
from icl_sym.sim.devices import check_device
from icl_sym.sim.lu2024 import simulate_errors
from icl_sym.theories.lu2024.asymptotics import e_icl, e_idg

OUT = Path(__file__).resolve().parents[1] / "results" / "lu2024"
REFERENCE = OUT / "authors_d100_reference.csv"
D, SEED = 100, 0
KEYS = ("figure", "alpha", "tau", "kappa", "rho", "lam", "d", "seed", "draw")
FIELDS = KEYS + ("icl", "idg", "n", "k", "seconds")
#: The project protocol's λ per figure (the authors' figure parameter sheets, run_from_scratch/Figure{2,4}/figure{2,4}.md).
PROJECT_LAM = {"fig2A": 1e-6, "fig4": 1e-5}


def reference() -> list[dict]:
    """The authors' stored points: parameters, means, ddof = 0 standard deviations, draws, provenance."""
    with REFERENCE.open(newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.startswith("#")))
    numeric = ("alpha", "tau", "kappa", "rho", "lam", "icl_mean", "icl_std", "idg_mean", "idg_std")
    return [{**r, **{k: float(r[k]) for k in numeric}, "draws": int(r.draws)} for r in rows]


def point(ref: dict, lam: float) -> tuple:
    """The store key prefix (figure, α, τ, κ, ρ, λ) of a reference point simulated at ``lam``."""
    return (ref["figure"], ref["alpha"], ref["tau"], ref["kappa"], ref["rho"], lam)


def summary(rows: list[dict], key: tuple) -> dict:
    """Mean and standard error over the stored draws of ``key``."""
    mine = [r for r in rows if tuple(r[k] for k in KEYS[:6]) == key]
    out = {"draws": len(mine)}
    for name in ("icl", "idg"):
        values = [r[name] for r in mine]
        out[name] = statistics.fmean(values) if values else math.nan
        out[f"{name}_se"] = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return out


def authors_se(ref: dict, name: str) -> float:
    """Standard error of the authors' mean from their ddof = 0 standard deviation over ``draws`` draws."""
    return ref[f"{name}_std"] / math.sqrt(ref["draws"] - 1)


def z_score(ours: dict, ref: dict, name: str) -> float:
    """(ours − authors) over the combined standard error of the two means."""
    return (ours[name] - ref[f"{name}_mean"]) / math.hypot(ours[f"{name}_se"], authors_se(ref, name))


def run(store: ResultStore, keys: list[tuple], draws: int, device: str, task_law: str) -> None:
    """Simulate and store the draws of ``keys`` that are not stored yet, draw by draw across the points
    (so that an interrupted run has a few draws of every point)."""
    for draw, key in ((j, key) for j in range(draws) for key in keys):
        figure, alpha, tau, kappa, rho, lam = key
        row = dict(zip(KEYS, (*key, D, SEED, draw)))
        if row in store:
            continue
        r = simulate_errors(D, alpha, kappa, tau, rho, lam, 1, SEED, device=device, first_draw=draw,
                            task_law=task_law)
        store.append({**row, "icl": r.icl_mean, "idg": r.idg_mean, "n": r.n, "k": r.k,
                      "seconds": r.seconds})
        print(f"{task_law} {figure} α={alpha:g} τ={tau:g} κ={kappa:g} λ={lam:g}: draw {draw} ICL "
              f"{r['icl_mean']:.4f} IDG {r['idg_mean']:.4f} ({r['seconds']:.1f} s)", flush=True)


def cell(ours: dict, ref: dict, name: str) -> str:
    if ours["draws"] == 0:
        return "– | –"
    return f"{ours[name]:.4g} ± {ours[f'{name}_se']:.2g} | {z_score(ours, ref, name):+.1f}"


def table(refs: list[dict], project: list[dict], authors: list[dict]) -> str:
    head = ("| figure | α | τ | κ | ρ | quantity | theory (d → ∞) | authors (mean ± s.e., draws) "
            "| project protocol (mean ± s.e.) | z | authors' protocol, ours (mean ± s.e.) | z |")
    lines = [head, "|" + "---|" * 12]
    for ref in refs:
        theory = {"icl": e_icl(ref["tau"], ref["alpha"], ref["kappa"], ref["rho"], 0.0),
                  "idg": e_idg(ref["tau"], ref["alpha"], ref["kappa"], ref["rho"], 0.0)}
        mine = summary(project, point(ref, PROJECT_LAM[ref["figure"]]))
        theirs = summary(authors, point(ref, ref["lam"])) if ref["task_law"] == "gaussian" else {"draws": 0}
        for name in ("icl", "idg"):
            lines.append(
                f"| {ref['figure']} | {ref['alpha']:g} | {ref['tau']:g} | {ref['kappa']:g} | {ref['rho']:g} "
                f"| {name.upper()} | {float(theory[name]):.4g} "
                f"| {ref[f'{name}_mean']:.4g} ± {authors_se(ref, name):.2g} ({ref['draws']}) "
                f"| {cell(mine, ref, name)} | {cell(theirs, ref, name)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--authors-protocol", action="store_true",
                        help="also simulate the Fig. 4 points with the authors' protocol (Gaussian tasks, their λ)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = str(check_device(args.device))
    refs = reference()
    project = ResultStore(OUT / "authors_d100.csv", KEYS, FIELDS)
    authors = ResultStore(OUT / "authors_protocol_d100.csv", KEYS, FIELDS)
    run(project, [point(ref, PROJECT_LAM[ref["figure"]]) for ref in refs], args.draws, device, "sphere")
    if args.authors_protocol:
        run(authors, [point(ref, ref["lam"]) for ref in refs if ref["task_law"] == "gaussian"], args.draws, device,
            "gaussian")
    text = table(refs, project.rows(), authors.rows())
    print(text)
    (OUT / "authors_d100.md").write_text("\n".join([
        "# d = 100 simulations: this project against the authors' stored runs (Lu et al. 2025)", "",
        f"- date: {datetime.date.today().isoformat()}",
        f"- command: `python {' '.join(sys.argv)}`",
        f"- project protocol: sphere tasks, equal repetition, (n/d)λ ridge with λ = {PROJECT_LAM}, "
        f"Proposition 1 scoring; d = {D}, seed {SEED}, draw j from (seed, j), device {device}; "
        "per-draw rows in authors_d100.csv",
        "- authors' protocol, ours (Fig. 4): Gaussian tasks w ~ N(0, I_d), λ = 1e-6, otherwise the same; "
        "per-draw rows in authors_protocol_d100.csv",
        "- authors: authors_d100_reference.csv (mletey/incontext-cleanup @ 06d8d77, easy_runs/prepopulated_data); "
        "s.e. = np.std (ddof = 0) / √(draws − 1)",
        "- z = (ours − authors) / √(se_ours² + se_authors²); theory = the ridgeless (λ → 0) d → ∞ value", "",
        text, ""]))


if __name__ == "__main__":
    main()
