"""The authors' stored final losses of Bordelon, Letey, Pehlevan (2026), Figs. 4(c), 6(c) and 9, beside what this
workbench predicts for the same runs (docs/theory/bordelon2025.md, "The authors' stored final losses").

The authors' values (``data/bordelon2025_authors_final_losses.csv``, each with the path of its run in the authors'
repository) are training losses averaged over the last 100 steps. Fig. 4(c) trains the reduced-Γ model on RRS
power-law data (D = 45, P = 512 sampled, ν = 1.75, β = 0.5, 20000 online-SGD steps at η = 3, B = 512): the
workbench has Result 6's gradient flow at α = ∞ at the trained time t = ηT/D, the finite-context flow of
Γ = γI on a Monte Carlo landscape (:class:`icl_sym.sim.bordelon2025.landscape.IsotropicLandscape`), and the
minima over γ of both landscapes (depth floors). Figs. 6(c) and 9 train softmax attention, for which the
workbench has no theory; the table shows, marked as a reference and not a prediction, the optimal L-step loss of
linear attention on the same isotropic data (Result 2 at α = P/D = 2).

Run ``python -m icl_sym.experiments.bordelon2025.authors [--out results/bordelon2025]`` to write the table.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from ..reports import write_report

__all__ = ["AUTHORS_CSV", "FIG4C", "SOFTMAX_ALPHA", "AuthorsValue", "ComparisonRow", "authors_values",
           "comparison_rows", "comparison_markdown", "main"]

AUTHORS_CSV = "bordelon2025_authors_final_losses.csv"

#: The Fig. 4(c) run (the authors' R1_setting, outputs/R1_T20000): dimension, context, spectrum, SGD.
FIG4C = dict(dim=45, context=512, nu=1.75, beta=0.5, lr=3.0, steps=20_000, batch=512)
#: Figs. 6(c) and 9: D = 64, P = 128, isotropic x ~ N(0, I/D), w ~ N(0, I): α = 2.
SOFTMAX_ALPHA = 2.0
#: Monte Carlo contexts of the finite-context landscape, and its seed.
MC_CONTEXTS = 2000
MC_SEED = 0


@dataclass(frozen=True)
class AuthorsValue:
    """One stored final loss: figure key, depth, value, what statistic it is, the model and its source path."""

    figure: str
    depth: int
    final_loss: float
    statistic: str
    model: str
    source: str


def authors_values() -> list[AuthorsValue]:
    """The authors' stored final losses, in file order."""
    text = resources.files("icl_sym.experiments").joinpath("data", AUTHORS_CSV).read_text()
    rows = csv.DictReader(text.splitlines())
    return [AuthorsValue(r["figure"], int(r["depth"]), float(r["final_loss"]), r["statistic"], r["model"],
                         r["source"]) for r in rows]


@dataclass(frozen=True)
class ComparisonRow:
    """The authors' value beside the workbench's: named columns (``None`` where nothing applies)."""

    figure: str
    depth: int
    authors: float
    values: dict[str, float | None]

    def relative(self, column: str) -> float | None:
        """(authors − column) / column, or ``None``."""
        value = self.values.get(column)
        return None if value is None else (self.authors - value) / value


#: Columns of the Fig. 4(c) rows.
FIG4C_COLUMNS = {
    "flow_inf": "Result 6 flow at α = ∞ and t = ηT/(DL)",
    "flow_finite": "symmetric untied flow at P = 512 (Monte Carlo) and t = ηT/(DL)",
    "flow_finite_se": "its Monte Carlo standard error",
    "untied_min": "min over untied steps γ_1..γ_L at P = 512 (Monte Carlo, best found; L ≤ 8)",
    "floor_inf": "min_γ at α = ∞ (tied; App. F.2 depth floor)",
}
#: Untied minima are searched up to this depth (L = 16 takes minutes).
UNTIED_MAX_DEPTH = 8


def fig4c_flow_time(depth: int) -> float:
    """The flow time of the γ line reached by the authors' run at ``depth``: t = ηT/(DL).

    Their layers are untied with the same rate η for every Γ_ℓ. From Γ_ℓ = 0 the mean-field flow keeps every
    Γ_ℓ = γI with one common γ (the landscape is symmetric in the layers), and ∂ℓ/∂γ_ℓ = (1/L) dℓ/dγ there, so
    the run follows the tied flow at rate η/L: t = Σ_s (η/L)/D (training.flow_time's RRS convention, and the
    workbench's untied model at lr η/L, whose per-layer rate is lr·L)."""
    return FIG4C["lr"] * FIG4C["steps"] / (FIG4C["dim"] * depth)


def fig4c_values(depth: int, contexts: int = MC_CONTEXTS, seed: int = MC_SEED) -> dict[str, float | None]:
    """The workbench's values for the Fig. 4(c) run at ``depth`` (columns :data:`FIG4C_COLUMNS`)."""
    from icl_sym.sim.bordelon2025.data import make_spec
    from icl_sym.sim.bordelon2025.landscape import IsotropicLandscape
    from icl_sym.theories.bordelon2025.rotated_structure import rrs_depth_floor, rrs_gamma, rrs_loss
    from icl_sym.theories.bordelon2025.source_capacity import power_law_spectrum

    d, t = FIG4C["dim"], fig4c_flow_time(depth)
    s = power_law_spectrum(d, FIG4C["nu"], FIG4C["beta"])
    gamma_inf = rrs_gamma(np.array([t]), depth, s.eigenvalues, s.weights)
    spec = make_spec("rrs", d, FIG4C["context"] / d, nu=FIG4C["nu"], beta=FIG4C["beta"])
    landscape = IsotropicLandscape(spec, depth, contexts=contexts, seed=seed)
    gamma_finite = float(landscape.flow([t])[-1])
    return dict(flow_inf=float(rrs_loss(gamma_inf, depth, s.eigenvalues, s.weights)[0]),
                flow_finite=landscape.loss(gamma_finite), flow_finite_se=landscape.loss_se(gamma_finite),
                untied_min=landscape.untied_minimum()[0] if depth <= UNTIED_MAX_DEPTH else None,
                floor_inf=rrs_depth_floor(depth, s.eigenvalues, s.weights).loss)


def softmax_reference(depth: int) -> dict[str, float]:
    """The linear-attention reference of the softmax rows: ℓ⋆(α = 2, L) (Result 2)."""
    from icl_sym.theories.bordelon2025.iso import iso_optimal_loss

    return dict(reference=float(iso_optimal_loss(SOFTMAX_ALPHA, depth)))


def comparison_rows(contexts: int = MC_CONTEXTS, seed: int = MC_SEED) -> list[ComparisonRow]:
    """Every stored value with the workbench's columns."""
    out = []
    for v in authors_values():
        values = fig4c_values(v.depth, contexts, seed) if v.figure == "fig4c" else softmax_reference(v.depth)
        out.append(ComparisonRow(v.figure, v.depth, v.final_loss, values))
    return out


def _num(x: float | None, digits: int = 4) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _rel(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:+.1f} %"


def comparison_markdown(rows: list[ComparisonRow], command: str, date: str) -> str:
    """The comparison as Markdown: one table per figure, relative differences (authors − workbench)/workbench."""
    sources = {(v.figure, v.depth): v for v in authors_values()}
    fig4 = [r for r in rows if r.figure == "fig4c"]
    lines = [
        "# Bordelon, Letey, Pehlevan: the authors' stored final losses against the workbench",
        "",
        f"- date: {date}",
        f"- command: `{command}`",
        f"- authors' values: `icl_sym/experiments/data/{AUTHORS_CSV}` (training losses, mean of the last 100 "
        "steps; the source of each is the path of its run in the authors' repository, listed below)",
        "- relative difference: (authors − workbench) / workbench",
        "",
        "## Fig. 4(c): reduced-Γ model, RRS power law",
        "",
        f"Run: D = {FIG4C['dim']}, P = {FIG4C['context']} sampled (α = {FIG4C['context'] / FIG4C['dim']:.3g}), "
        f"ν = {FIG4C['nu']}, β = {FIG4C['beta']}, untied layers, {FIG4C['steps']} online-SGD steps at "
        f"η = {FIG4C['lr']:g} for every Γ_ℓ, B = {FIG4C['batch']}; flow time t = ηT/(DL) "
        f"(= {fig4c_flow_time(1):.1f}/L). Source: `{sources[('fig4c', 1)].source}`. Finite-P columns: "
        f"{MC_CONTEXTS} Monte Carlo contexts, seed {MC_SEED}.",
        "",
        "| L | authors | flow α = ∞ (Result 6) | rel. | flow P = 512 (MC ± se) | rel. | untied min P = 512 | "
        "rel. | tied floor α = ∞ |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in fig4:
        v = r.values
        lines.append(f"| {r.depth} | {_num(r.authors)} | {_num(v['flow_inf'])} | {_rel(r.relative('flow_inf'))} | "
                     f"{_num(v['flow_finite'])} ± {_num(v['flow_finite_se'], 2)} | "
                     f"{_rel(r.relative('flow_finite'))} | {_num(v['untied_min'])} | "
                     f"{_rel(r.relative('untied_min'))} | {_num(v['floor_inf'])} |")
    lines += ["", "Column meanings: " + "; ".join(f"{k}: {d}" for k, d in FIG4C_COLUMNS.items()) + ".", "",
              "Reading: the mean-field flow at finite P with the untied run's time t = ηT/(DL) meets the stored "
              "losses at L = 1, 4, 8, 16 (including their rise at L ≥ 8: each layer learns at η/L). At L = 2 the "
              "stored loss sits below every point of the symmetric line (its minimum is the flow value) and on "
              "the untied minimum, where the two layers take different steps: SGD left the symmetric saddle "
              "there. The α = ∞ columns omit the context bottleneck (P = 512 ≈ 11 D).", ""]
    for key, title in (("fig6c", "Fig. 6(c): untied softmax attention"),
                       ("fig9", "Fig. 9: untied softmax attention + GELU MLP")):
        picked = [r for r in rows if r.figure == key]
        lines += [f"## {title}", "",
                  f"Source: `{sources[(key, 1)].source}`. D = 64, P = 128 (α = 2), one fixed batch, AdamW. "
                  "**The workbench has no theory for softmax attention**: the last two columns are a reference "
                  "(linear attention with the optimal isotropic step, Result 2), not a prediction.", "",
                  "| L | authors | workbench theory | linear-attention ℓ⋆(2, L) | rel. to reference |",
                  "|---|---|---|---|---|"]
        for r in picked:
            lines.append(f"| {r.depth} | {_num(r.authors)} | none | {_num(r.values['reference'])} | "
                         f"{_rel(r.relative('reference'))} |")
        lines.append("")
    return "\n".join(lines)


def parse_markdown_numbers(text: str) -> dict[tuple[str, int], list[float | None]]:
    """The numeric cells of every table row of :func:`comparison_markdown`, keyed by (figure, depth)."""
    out: dict[tuple[str, int], list[float | None]] = {}
    figure = None
    for line in text.splitlines():
        if line.startswith("## Fig. 4(c)"):
            figure = "fig4c"
        elif line.startswith("## Fig. 6(c)"):
            figure = "fig6c"
        elif line.startswith("## Fig. 9"):
            figure = "fig9"
        elif figure and line.startswith("| ") and line[2].isdigit():
            cells = [c.strip() for c in line.strip("|").split("|")]
            numbers: list[float | None] = []
            for cell in cells[1:]:
                for part in cell.split("±"):
                    part = part.replace("%", "").strip()
                    try:
                        numbers.append(float(part))
                    except ValueError:
                        numbers.append(None)
            out[(figure, int(cells[0]))] = numbers
    return out


def main(argv: list[str] | None = None) -> Path:
    """Write ``authors_final_losses.md`` (``--out DIR``, default results/bordelon2025)."""
    return write_report("icl_sym.experiments.bordelon2025.authors", "authors_final_losses.md",
                        lambda command, date: comparison_markdown(comparison_rows(), command, date),
                        default_out="results/bordelon2025", description=__doc__.splitlines()[0], argv=argv)


if __name__ == "__main__":
    print(main())
