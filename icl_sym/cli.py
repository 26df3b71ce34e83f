"""The ``icl-sym`` command line: theories, derive, check, claims, export, curves, eval, simulate, figure, demo.

Parsing and printing only: every command works on what the installed theories declare
(:mod:`icl_sym.core.registry`), and names no paper. Bad input (unknown names, formats or parameters, values outside a domain)
prints one line ``error: ...`` to stderr and exits with code 2; a failed
verification exits with code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from icl_sym.core.export import FORMATS, ExportError
from icl_sym.core.tex import DOCUMENT_CLASS, LATEX_PREAMBLE
from icl_sym.core.implicit import ImplicitFormula
from icl_sym.core.registry import REGISTRY, UnknownNameError
from icl_sym.core.theory import Parameter
from icl_sym.core.validation import ParameterError, Range, parse_real
from icl_sym.extras import MissingExtraError
from icl_sym.files import OutputPathError, write_atomically

app = typer.Typer(help="icl-sym: derive, verify, evaluate and export the theory of in-context learning.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)


def _version(value: bool) -> None:
    if value:
        from icl_sym import __version__

        print(f"icl-sym {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """icl-sym: derive, verify, evaluate and export the theory of in-context learning."""
derive_app = typer.Typer(help="List and step through derivations.", no_args_is_help=True)
app.add_typer(derive_app, name="derive")

out = Console()

#: Errors caused by the user's input or install: reported in one line, exit code 2.
USER_ERRORS = (ParameterError, UnknownNameError, ExportError, IndexError, KeyError, MissingExtraError,
               OutputPathError)


class UsageFailure(Exception):
    """Raised inside commands for bad input; turned into ``error: ...`` and exit 2."""


def _registry():
    return REGISTRY


@app.command()
def theories() -> None:
    """List the installed theories and what each offers."""
    table = Table("theory", "title", "derivations", "formulas", "curves", "simulate", "figures")
    for column in table.columns[:1] + table.columns[2:6]:  # names and counts whole; title and figures wrap
        column.no_wrap = True
    table.columns[1].overflow = "fold"
    for t in REGISTRY.theories():
        table.add_row(t.name, escape(t.title), str(len(t.derivation_names())), str(len(t.formula_names())),
                      str(len(t.curve_names())), "yes" if t.has_simulation else "-",
                      ", ".join(n.split(".", 1)[1] for n in sorted(t.figures)) or "-")
    out.print(table)


@derive_app.command("list")
def derive_list() -> None:
    """List every registered derivation."""
    reg = _registry()
    table = Table("name", "title", "steps", "source")
    table.columns[0].no_wrap = True
    for name in reg.derivation_names():
        d = reg.get_derivation(name)
        table.add_row(name, escape(d.title), str(len(d)), escape(d.provenance.where))
    out.print(table)


@derive_app.command("show")
def derive_show(
    name: str,
    step: Optional[int] = typer.Option(None, "--step", "-k", help="Show only step K (1-based)."),
    latex: bool = typer.Option(False, "--latex", help="Print LaTeX instead of text."),
) -> None:
    """Show a derivation step by step (or one step)."""
    import sympy as sp

    from icl_sym.core.tex import tex_to_text

    # Explanations are written with $...$ TeX (kept for the exports); a terminal shows them as text.
    prose = (lambda text: text) if latex else tex_to_text
    deriv = _registry().get_derivation(name)
    steps = [deriv.step(step)] if step is not None else list(deriv)
    if step is None:
        out.print(f"[bold]{escape(deriv.title)}[/bold]  ({escape(str(deriv.provenance))})\n"
                  f"{escape(prose(deriv.setting))}\n")
    for s in steps:
        k = deriv.steps.index(s) + 1
        out.print(f"[bold]Step {k}: {escape(s.name)}[/bold]", markup=True)
        if latex:
            print(s.latex())
        else:
            # A left side that is only a LaTeX label reads better as the step's name.
            label = isinstance(s.lhs, (sp.Symbol, sp.MatrixSymbol)) and "\\" in s.lhs.name
            print(s.name if label else sp.pretty(s.lhs, use_unicode=True))
            print("=")
            print(sp.pretty(s.rhs, use_unicode=True))
        out.print(f"  {escape(prose(s.justification))}\n  [dim]check: {escape(s.check.method)}[/dim]\n",
                  highlight=False)


@app.command()
def check(name: Optional[str] = typer.Argument(None, help="A derivation name or a theory name (every derivation of that theory).")) -> None:
    """Verify every step (and claim) of the registered derivations; exit 1 on any failure."""
    reg = _registry()
    names = reg.derivation_names()
    if name is not None:
        selected = [n for n in names if n == name or n.startswith(name + ".")]
        if not selected:
            raise UnknownNameError("derivation or paper", name, names)
        names = selected
    table = Table("derivation", "step", "method", "result", "seconds")
    failures = 0
    with out.status("verifying...") as status:
        for n in names:
            deriv = reg.get_derivation(n)

            def progress(o, n=n):
                status.update(f"verifying {n}: step {o.index}/{len(deriv)}")

            report = deriv.verify(on_step=progress)
            for o in report.outcomes:
                verdict = "[green]verified[/green]" if o.result.passed else f"[red]FAILED[/red] {escape(o.result.detail)}"
                table.add_row(n, escape(f"{o.index}. {o.name}"), escape(o.result.method), verdict,
                              f"{o.result.seconds:.2f}")
            failures += len(report.failed)
    out.print(table)
    for theory in REGISTRY.theories():
        if theory.errata and (name is None or name == theory.name):
            _print_errata(theory)
    total = len(table.rows)
    if failures:
        out.print(f"[red]{failures} of {total} checks failed[/red]")
        raise typer.Exit(1)
    out.print(f"[green]all {total} checks verified[/green]")


def _print_errata(theory) -> None:
    table = Table("erratum", "kind", "where", "printed", "corrected", "evidence", "checked by",
                  title=f"{theory.name}: errata ledger")
    for e in theory.errata:
        table.add_row(e.id, e.kind, escape(e.where), escape(e.printed), escape(e.corrected), escape(e.evidence),
                      escape("; ".join(e.checks) or "-"))
    out.print(table)


@app.command()
def claims(
    paper: str = typer.Argument(..., help="The theory whose claims ledger to print."),
    assume: list[str] = typer.Option(None, "--assume", help="An assumption value NAME=VALUE (repeatable): "
                                     "re-evaluates every claim that declares NAME."),
    claim: Optional[str] = typer.Option(None, "--claim", help="Only this claim."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write a Markdown report (report.md, with the "
                                          "theory's figures as PNG) into this folder."),
) -> None:
    """Print a theory's claims, one line each: claim, verdict (computed from its evidence), decisive evidence."""
    from icl_sym.core.claims import claims_report, find_claim

    theory = REGISTRY.theory(paper)
    ledger = theory.claims
    if not ledger:
        raise UsageFailure(f"{theory.name} declares no claims")
    if claim is not None:
        ledger = (find_claim(ledger, claim),)
    values = _assignments(assume)
    declared = {a.name for c in ledger for a in c.assumptions}
    unknown = sorted(set(values) - declared)
    if unknown:
        raise UsageFailure(f"no claim of {theory.name} has the assumption {', '.join(unknown)}; "
                           f"assumptions: {', '.join(sorted(declared)) or 'none'}")
    failed = 0
    with out.status("checking the evidence..."):
        assessments = [c.assess(**{a.name: values[a.name] for a in c.assumptions if a.name in values})
                       for c in ledger]
    for c, assessment in zip(ledger, assessments):
        out.print(escape(f"{c.name}  [{assessment.verdict}]  {assessment.reason}"), highlight=False, soft_wrap=True)
        for where, result in assessment.failed:
            failed += 1
            out.print(escape(f"    FAILED check {where}: {result.detail}"), highlight=False, soft_wrap=True)
    if values:
        out.print(escape("assuming " + ", ".join(f"{k}={v}" for k, v in values.items())), highlight=False)
    if report is not None:
        draw = theory.claim_figures
        from icl_sym.files import output_errors

        with output_errors(report / "report.md"):
            report.mkdir(parents=True, exist_ok=True)
        figures = draw(report) if draw is not None else ()
        write_atomically(report / "report.md", claims_report(theory.title, ledger, assessments, figures, values))
        out.print(escape(f"report written to {report / 'report.md'}"), highlight=False, soft_wrap=True)
    if failed:
        out.print(f"[red]{failed} evidence checks failed[/red]")
        raise typer.Exit(1)


@app.command(help=(
    "Export a formula (or a derivation: its document for latex/markdown, its result otherwise).\n\n"
    "LaTeX is pure ASCII. Without --standalone it is a fragment for a document that starts with "
    + DOCUMENT_CLASS + " and the preamble " + LATEX_PREAMBLE.replace("\n", " ") + "(icl_sym.core.tex.LATEX_PREAMBLE); "
    "with --standalone it is that complete document, ready for pdflatex."))
def export(
    name: str,
    fmt: str = typer.Option(..., "--format", "-f", help="One of: " + ", ".join(FORMATS)),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
    standalone: bool = typer.Option(False, "--standalone",
                                    help="latex only: a complete document (preamble included), not a fragment."),
) -> None:
    from icl_sym.core.tex import latex_document
    from icl_sym.core.validation import check_choice

    check_choice("--format", fmt, FORMATS)
    if standalone and fmt != "latex":
        raise UsageFailure(f"--standalone applies to --format latex only; got --format {fmt}")
    reg = _registry()
    is_derivation = name in reg.derivation_names()
    title = name
    if is_derivation and fmt in ("markdown", "latex"):
        deriv = reg.get_derivation(name)
        text = deriv.to_markdown() if fmt == "markdown" else deriv.to_latex()
        title = deriv.title
    elif is_derivation and name not in reg.formula_names():
        results = reg.get_derivation(name).results
        if len(results) != 1:
            raise UsageFailure(f"{name} establishes {len(results)} formulas; export one of: "
                               + ", ".join(f.name for f in results))
        text = results[0].export(fmt)
    else:
        text = reg.get_formula(name).export(fmt)
    if standalone:
        text = latex_document(text, title)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, text)
        out.print(f"wrote {output}")


@app.command()
def curves(paper: Optional[str] = typer.Argument(None, help="Only this theory's curves.")) -> None:
    """List the numeric curves of the installed theories, with their parameters and domains."""
    names = REGISTRY.theory(paper).curve_names() if paper else REGISTRY.curve_names()
    table = Table("curve", "parameters", "what", "source")
    table.columns[0].no_wrap = True
    for n in names:
        c = REGISTRY.get_curve(n)
        table.add_row(n, escape("; ".join(f"{p.name} {p.describe()}" for p in c.params)), escape(c.description),
                      escape(c.provenance.where))
    out.print(table)


@app.command()
def formulas(paper: Optional[str] = typer.Argument(None, help="Only this theory's formulas and curves.")) -> None:
    """List every formula and curve (of every theory, or of PAPER): parameters with their domains, and source."""
    theories = [REGISTRY.theory(paper)] if paper else REGISTRY.theories()
    rows = []
    with out.status("building the formulas..."):
        for t in theories:
            for n in t.formula_names():
                f = t.get_formula(n)
                kind = "implicit formula" if isinstance(f, ImplicitFormula) else "formula"
                rows.append((n, kind, "; ".join(p.domain_text() for p in f.params), f.description,
                             _where(f.provenance)))
            for n in t.curve_names():
                c = t.get_curve(n)
                rows.append((n, "curve", "; ".join(f"{p.name} {p.describe()}" for p in c.params), c.description,
                             _where(c.provenance)))
    table = Table("name", "kind", "parameters", "what", "source")
    for column in table.columns:  # wrap long words rather than cut them with an ellipsis
        column.overflow = "fold"
    # Names are what the user types next: never wrapped, never truncated (the other columns wrap instead).
    table.columns[0].no_wrap = True
    for row in rows:
        table.add_row(*(escape(cell) for cell in row))
    out.print(table)


def _where(provenance) -> str:
    """A provenance without the paper's citation (``icl-sym theories`` prints that once per theory)."""
    return f"{provenance.where} ({provenance.note})" if provenance.note else provenance.where


def _assignments(items: list[str] | None) -> dict[str, str]:
    values = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UsageFailure(f"parameter assignment must look like NAME=VALUE; got {item!r}")
        values[key] = raw
    return values


def _mpf(name: str, text: str):
    """Decimal ``text`` read exactly, as an mpf at the current precision."""
    import mpmath

    value = parse_real(name, text)
    if value.is_infinite:
        return mpmath.inf if value > 0 else -mpmath.inf
    return mpmath.mpf(int(value.p)) / int(value.q)


def _check_names(name: str, expected: list[str], given: dict, required: list[str]) -> None:
    unknown = sorted(set(given) - set(expected))
    missing = [p for p in required if p not in given]
    if unknown or missing:
        raise UsageFailure(f"{name} takes parameters {', '.join(expected)}"
                           + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                           + (f"; missing: {', '.join(missing)}" if missing else ""))


@app.command("eval")
def evaluate(
    name: str,
    assignments: list[str] = typer.Argument(None, help="Parameter values as NAME=VALUE (e.g. rho=0.1)."),
    backend: str = typer.Option("mpmath", "--backend", help="numpy, torch or mpmath."),
    digits: int = typer.Option(30, "--digits", help="mpmath precision in decimal digits."),
    simulate: bool = typer.Option(False, "--simulate", help="Curves that a simulation predicts: also run the "
                                  "theory's simulation at the same parameters and print both; give its own "
                                  "parameters as NAME=VALUE too (`icl-sym simulate PAPER --help` lists them)."),
) -> None:
    """Evaluate a scalar formula or a theory's curve at given parameter values (beside a simulation with --simulate)."""
    import mpmath

    from icl_sym.core.numeric import BACKENDS
    from icl_sym.core.validation import check_choice

    check_choice("--backend", backend, BACKENDS)
    texts = _assignments(assignments)
    if simulate and name not in REGISTRY.curve_names():
        raise UsageFailure(f"--simulate applies to curves; {name} is not one (icl-sym curves lists them)")
    if name in REGISTRY.curve_names():
        curve = REGISTRY.get_curve(name)
        simulation = _simulation_predicted_by(curve) if simulate else None
        # The simulation's inputs are read (and refused) before anything runs.
        sim_values = _simulation_arguments(curve, simulation, texts) if simulation is not None else {}
        curve_texts = {k: v for k, v in texts.items()
                       if simulation is None or k not in {p.name for p in simulation.params}
                       or k in {p.name for p in curve.params}}
        _check_names(name, [p.name for p in curve.params], curve_texts,
                     [p.name for p in curve.params if p.required])
        values = {p.name: p.parse(curve_texts[p.name]) for p in curve.params if p.name in curve_texts}
        if backend not in curve.backends:
            raise UsageFailure(f"{name} evaluates with {', '.join(curve.backends)}; got --backend {backend}")
        if backend == "mpmath":
            with mpmath.workdps(digits):
                # Decimal text straight to mpf: the digits given are the digits used.
                result = curve(**{k: _mpf(k, texts[k]) if isinstance(v, float) else v for k, v in values.items()})
                print(mpmath.nstr(result, digits))
        elif backend == "torch":
            import torch

            result = curve(**{k: torch.tensor(v, dtype=torch.float64) if isinstance(v, float) else v
                              for k, v in values.items()})
            print(repr(float(result)))
        else:
            result = curve(**values)
            print(repr(float(result)))
        if simulation is not None:
            _print_beside_simulation(curve, float(result), simulation, sim_values)
        return
    formula = REGISTRY.get_formula(name)
    if getattr(formula, "has_matrix_params", False):
        raise UsageFailure(f"{name} takes matrix arguments; evaluate it from Python "
                           f"(icl_sym.core.registry.REGISTRY.get_formula({name!r}).numeric())")
    expected = [p.name for p in formula.params]
    _check_names(name, expected, texts, expected)
    values = {}
    for p in formula.params:
        values[p.name] = Parameter(p.name, p.description, p.domain if p.domain is not None else Range()).parse(
            texts[p.name])
    args = [values[p] for p in expected]
    if isinstance(formula, ImplicitFormula) and backend == "mpmath":
        with mpmath.workdps(digits):
            print(mpmath.nstr(formula.evaluate_mp(**{p: _mpf(p, texts[p]) for p in expected}), digits))
    elif isinstance(formula, ImplicitFormula):  # solved by its own (exported) float64 code
        print(repr(formula.evaluate(**values)))
    elif backend == "mpmath":
        with mpmath.workdps(digits):
            result = formula.numeric("mpmath")(*(_mpf(p, texts[p]) for p in expected))
            print(mpmath.nstr(result, digits))
    elif backend == "torch":
        import torch

        print(repr(float(formula.numeric("torch")(*(torch.tensor(a, dtype=torch.float64) for a in args)))))
    else:
        print(repr(float(formula.numeric("numpy")(*args))))


def _simulation_predicted_by(curve):
    """The theory's simulation whose quantity ``curve.simulated`` the curve predicts (``UsageFailure`` if none)."""
    theory = REGISTRY.theory(curve.name)
    simulated = [c for c in theory.curve_names() if theory.get_curve(c).simulated]
    if not theory.has_simulation or not curve.simulated:
        raise UsageFailure(f"{curve.name} has no simulated counterpart; --simulate applies to "
                           + (", ".join(simulated) or f"no curve of {theory.name}"))
    simulation = theory.simulation
    missing = [p.name for p in curve.params if p.name not in {q.name for q in simulation.params}]
    if missing or curve.simulated not in simulation.quantities:
        raise ValueError(f"{curve.name} declares simulated={curve.simulated!r}, but {theory.name}'s simulation "
                         f"has quantities {simulation.quantities} and lacks the parameters {missing}")
    return simulation


def _simulation_arguments(curve, simulation, texts: dict[str, str]) -> dict:
    """The values given as ``texts`` read as ``simulation``'s parameters (``UsageFailure`` naming what is wrong)."""
    params = {p.name: p for p in simulation.params}
    unknown = sorted(set(texts) - set(params))
    missing = [p for p in params.values() if p.required and p.name not in texts]
    if unknown or missing:
        raise UsageFailure(
            f"{curve.name} --simulate takes the parameters {', '.join(params)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else "")
            + (f"; missing: {', '.join(f'{p.name} ({p.description}, {p.describe()})' for p in missing)}"
               if missing else ""))
    return {k: params[k].parse(v) for k, v in texts.items()}


def _print_beside_simulation(curve, theory_value: float, simulation, values: dict) -> None:
    """Run ``simulation`` at ``values`` and print its estimate of ``curve.simulated`` beside the theory's value."""
    with out.status("simulating..."):
        result = simulation(**values)
    mean, std = result[f"{curve.simulated}_mean"], result[f"{curve.simulated}_std"]
    out.print(simulation.describe(result), highlight=False)
    table = Table("", "theory (d → ∞)", "simulation mean", "std over draws", "theory - simulation")
    table.add_row(curve.simulated.upper(), f"{theory_value:.6g}", f"{mean:.6g}", "-" if std is None else f"{std:.3g}",
                  f"{theory_value - mean:+.3g}")
    out.print(table)


@app.command()
def demo(
    output: Path = typer.Option(Path("icl-sym-output"), "--out", "-o", help="Folder for the figure and report."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random draw."),
) -> None:
    """Derive and verify a theory's chain of results, check it against Monte Carlo, write a figure and a report."""
    from icl_sym.demo import run_demo

    report = run_demo(output, seed=seed, console=out)
    out.print(f"\nfigure: {report.figure}\nreport: {report.report}")


class _Parser(argparse.ArgumentParser):
    """argparse with its errors raised as one-line usage failures."""

    def error(self, message: str):
        raise UsageFailure(f"{self.prog}: {message}")


def _simulation_parser(paper: str, simulation) -> _Parser:
    parser = _Parser(prog=f"icl-sym simulate {paper}", add_help=False,
                     description=simulation.description + ". Parameters as --NAME VALUE or NAME=VALUE.")
    for p in simulation.params:
        default = "" if p.required else f" (default: {p.default})"
        parser.add_argument(f"--{p.name}", dest=p.name, metavar="VALUE", required=p.required,
                            help=f"{p.description}; {p.describe()}{default}")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("-h", "--help", action="store_true", help="Show this message and exit.")
    return parser


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                               "help_option_names": []})
def simulate(ctx: typer.Context, paper: Optional[str] = typer.Argument(None, help="The theory whose simulation "
                                                                     "to run.")) -> None:
    """Run a theory's finite-size simulation: PAPER --NAME VALUE ... [--json] (PAPER --help lists them)."""
    import json
    import math

    from icl_sym.core.validation import check_choice

    available = [t.name for t in REGISTRY.theories() if t.has_simulation]
    if paper in (None, "-h", "--help"):
        out.print("Usage: icl-sym simulate PAPER [--NAME VALUE | NAME=VALUE ...] [--json]\n"
                  f"Theories with a simulation: {', '.join(available) or 'none'}; "
                  "`icl-sym simulate PAPER --help` lists PAPER's parameters.", highlight=False)
        return
    check_choice("paper", paper, available)
    simulation = REGISTRY.theory(paper).simulation
    parser = _simulation_parser(paper, simulation)
    args = [a for item in ctx.args for a in
            ((f"--{item.partition('=')[0]}", item.partition("=")[2]) if "=" in item and not item.startswith("-")
             else (item,))]
    if "-h" in args or "--help" in args:
        print(parser.format_help())
        return
    options = vars(parser.parse_args(args))
    as_json = options.pop("json")
    options.pop("help")
    params = {p.name: p for p in simulation.params}
    result = simulation(**{k: params[k].parse(v) for k, v in options.items() if v is not None})
    if as_json:
        # Standard JSON has no infinity: an infinite parameter is written as the string "inf".
        print(json.dumps({k: "inf" if isinstance(v, float) and math.isinf(v) else v for k, v in result.items()},
                         allow_nan=False))
        return
    # Quantities come as <name>_mean/<name>_std over draws, or as <name> with its standard error <name>_se.
    over_draws = all(f"{key}_mean" in result for key in simulation.quantities)
    table = Table("quantity", "mean", "std over draws" if over_draws else "standard error")
    for key in simulation.quantities:
        mean, spread = ((result[f"{key}_mean"], result[f"{key}_std"]) if f"{key}_mean" in result
                        else (result[key], result.get(f"{key}_se")))
        table.add_row(key.upper(), f"{mean:.6g}", "-" if spread is None else f"{spread:.3g}")
    out.print(simulation.describe(result), highlight=False)
    out.print(table)


@contextlib.contextmanager
def _sweep_progress(name: str):
    """A progress bar for a sweep of simulation draws (done/total, elapsed time, estimated time left).

    Yields the ``progress(done, total)`` callback that :func:`icl_sym.experiments.sweep.run_sweep` calls.
    """
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("draws"),
                   TextColumn("elapsed"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                   console=out)
    task = bar.add_task(name, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


@contextlib.contextmanager
def _theory_status(name: str):
    """A spinner while theory curves are computed (no draws, so no progress to report)."""
    with out.status(f"{name}: computing the theory curves..."):
        yield None


@app.command()
def figure(
    name: str = typer.Argument(..., help="PAPER.FIGURE (icl-sym theories lists them)."),
    mode: str = typer.Option("quick", "--mode", help="quick (small d, few draws; minutes on a CPU) or "
                             "full (the paper's grids and sizes; meant for a GPU)."),
    output: Path = typer.Option(Path("icl-sym-output"), "--out", "-o", help="Folder for the CSVs and the PNG."),
    draws: Optional[int] = typer.Option(None, "--draws", help="Draws per simulated point (default: the mode's)."),
    dims: Optional[str] = typer.Option(None, "--dims", help="Comma-separated dimensions d to simulate, e.g. 50,100 "
                                       "(default: the mode's)."),
    seed: int = typer.Option(0, "--seed", help="Seed; draw j of every point uses (seed, j)."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Local worker processes; 1 runs in this process "
                                          "(default: the CPU count on cpu, 1 on cuda)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Run the draws on the Dask scheduler at "
                                            "this address (e.g. tcp://host:8786); needs the dask extra."),
    no_sim: bool = typer.Option(False, "--no-sim", help="Theory curves only."),
) -> None:
    """Reproduce a paper's figure: theory curves, simulations (mean ± std over draws) and their convergence
    in 1/d. Every simulated draw is stored as it finishes; a rerun resumes."""
    from icl_sym.core.validation import check_choice, check_int
    from icl_sym.experiments.figure import MODES, SimOptions, convergence, draw_figure, simulation_tasks
    from icl_sym.experiments.store import IncompatibleStoreError
    from icl_sym.experiments.sweep import default_workers, open_executor

    check_choice("figure", name, REGISTRY.figure_names())
    check_choice("--mode", mode, MODES)
    recipe = REGISTRY.get_figure(name)
    if dims is not None:
        try:
            dims = tuple(int(d) for d in dims.split(","))
        except ValueError:
            raise ParameterError("--dims", "comma-separated integers such as 50,100", dims) from None
    if workers is not None:
        check_int("--workers", workers, 1)
    simulation = None if no_sim else SimOptions.for_mode(mode, draws=draws, seed=seed, device=device, dims=dims,
                                                         defaults=recipe.simulation)
    data = recipe.build(mode)
    simulated = simulation is not None and bool(simulation_tasks(data, simulation))
    with open_executor(workers, scheduler, device) if simulated else contextlib.nullcontext() as executor:
        if simulated:
            where = f"Dask scheduler {scheduler}" if scheduler else f"{workers or default_workers(device)} worker(s)"
            extra = f"; {recipe.resources(simulation)}" if recipe.resources else ""
            out.print(f"{name} ({mode}): d = {', '.join(map(str, simulation.dims))}; {simulation.draws} draws per "
                      f"point; seed {seed}; {device}; {where}{extra}", highlight=False)
        with _sweep_progress(name) if simulated else _theory_status(name) as progress:
            try:
                run = draw_figure(data, output, simulation=simulation if simulated else None, executor=executor,
                                  progress=progress)
            except IncompatibleStoreError as exc:
                raise UsageFailure(str(exc)) from None
    if run.simulations is not None:
        out.print(f"{run.tasks_run} of {run.tasks_total} draws simulated now, the others read from "
                  f"{run.simulations}", highlight=False)
        table = Table("d", "points", "median |sim - theory|", "x d")
        for c in convergence(run.markers):
            table.add_row(str(c.d), str(c.points), f"{c.median_abs:.3g}", f"{c.median_abs_times_d:.3g}")
        if table.row_count:  # no rows when no simulated estimator tracks the theory
            out.print(table)
    files = f"figure: {run.png}\ntheory: {run.csv}"
    files += f"\nsummary: {run.summary}" if run.summary else ""
    out.print(files + (f"\nsimulations: {run.simulations}" if run.simulations else ""), highlight=False)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app, turning input errors into one line and exit code 2."""
    try:
        # standalone_mode=False: click returns the exit code instead of exiting.
        code = app(args=argv, standalone_mode=False)
    except USER_ERRORS + (UsageFailure,) as exc:
        # KeyError's str() adds quotes around its message: use the message itself.
        message = exc.message if isinstance(exc, UnknownNameError) else (
            exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc))
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)
    except typer.Abort:
        sys.exit(1)
    except Exception as exc:
        # Usage errors of click (typer bundles its own copy, so match by interface, not class).
        if callable(getattr(exc, "format_message", None)) and isinstance(getattr(exc, "exit_code", None), int):
            message = exc.format_message()
            if message:  # empty when the help was printed instead (icl-sym with no command)
                print(f"error: {message}", file=sys.stderr)
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
