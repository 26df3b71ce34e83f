"""The ``icl-sym`` command line: derive, check, export, eval, demo.

Bad input (unknown names, formats or parameters, values outside a domain)
prints one line ``error: ...`` to stderr and exits with code 2; a failed
verification exits with code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from icl_sym.core.export import FORMATS, ExportError
from icl_sym.core.implicit import ImplicitFormula
from icl_sym.core.registry import REGISTRY, UnknownNameError
from icl_sym.core.validation import ParameterError
from icl_sym.files import write_atomically

app = typer.Typer(help="icl-sym: derive, verify, evaluate and export the theory of in-context learning.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
derive_app = typer.Typer(help="List and step through derivations.", no_args_is_help=True)
app.add_typer(derive_app, name="derive")

out = Console()

#: Errors caused by the user's input: reported in one line, exit code 2.
USER_ERRORS = (ParameterError, UnknownNameError, ExportError, IndexError, KeyError)


class UsageFailure(Exception):
    """Raised inside commands for bad input; turned into ``error: ...`` and exit 2."""


def _registry():
    import icl_sym.theories  # noqa: F401  (registers every theory)

    return REGISTRY


@derive_app.command("list")
def derive_list() -> None:
    """List every registered derivation."""
    reg = _registry()
    table = Table("name", "title", "steps", "source")
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

    deriv = _registry().get_derivation(name)
    steps = [deriv.step(step)] if step is not None else list(deriv)
    if step is None:
        out.print(f"[bold]{escape(deriv.title)}[/bold]  ({escape(str(deriv.provenance))})\n{escape(deriv.setting)}\n")
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
        out.print(f"  {escape(s.justification)}\n  [dim]check: {escape(s.check.method)}[/dim]\n", highlight=False)


@app.command()
def check(name: Optional[str] = typer.Argument(None, help="A derivation name or a paper prefix (e.g. lu2024).")) -> None:
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
    total = len(table.rows)
    if failures:
        out.print(f"[red]{failures} of {total} checks failed[/red]")
        raise typer.Exit(1)
    out.print(f"[green]all {total} checks verified[/green]")


@app.command()
def export(
    name: str,
    fmt: str = typer.Option(..., "--format", "-f", help="One of: " + ", ".join(FORMATS)),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to FILE instead of stdout."),
) -> None:
    """Export a formula (or a derivation: its document for latex/markdown, its result otherwise)."""
    from icl_sym.core.validation import check_choice

    check_choice("--format", fmt, FORMATS)
    reg = _registry()
    is_derivation = name in reg.derivation_names()
    if is_derivation and fmt in ("markdown", "latex"):
        deriv = reg.get_derivation(name)
        text = deriv.to_markdown() if fmt == "markdown" else deriv.to_latex()
    elif is_derivation and name not in reg.formula_names():
        results = reg.get_derivation(name).results
        if len(results) != 1:
            raise UsageFailure(f"{name} establishes {len(results)} formulas; export one of: "
                               + ", ".join(f.name for f in results))
        text = results[0].export(fmt)
    else:
        text = reg.get_formula(name).export(fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, text)
        out.print(f"wrote {output}")


@app.command("eval")
def evaluate(
    name: str,
    assignments: list[str] = typer.Argument(None, help="Parameter values as NAME=VALUE (e.g. rho=0.1)."),
    backend: str = typer.Option("mpmath", "--backend", help="numpy, torch or mpmath."),
    digits: int = typer.Option(30, "--digits", help="mpmath precision in decimal digits."),
) -> None:
    """Evaluate a scalar formula at given parameter values."""
    import math

    import mpmath

    from icl_sym.core.numeric import BACKENDS
    from icl_sym.core.validation import check_array, check_choice

    check_choice("--backend", backend, BACKENDS)
    formula = _registry().get_formula(name)
    if getattr(formula, "has_matrix_params", False):
        raise UsageFailure(f"{name} takes matrix arguments; evaluate it from Python "
                           f"(icl_sym.core.registry.REGISTRY.get_formula({name!r}).numeric())")
    values = {}
    for item in assignments or []:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UsageFailure(f"parameter assignment must look like NAME=VALUE; got {item!r}")
        try:
            values[key] = float(raw)
        except ValueError:
            raise ParameterError(key, "a real number", raw) from None
    expected = [p.name for p in formula.params]
    unknown = sorted(set(values) - set(expected))
    missing = [p for p in expected if p not in values]
    if unknown or missing:
        raise UsageFailure(f"{name} takes parameters {', '.join(expected)}"
                           + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                           + (f"; missing: {', '.join(missing)}" if missing else ""))
    for p in formula.params:
        if p.domain is not None:
            check_array(p.name, values[p.name], p.domain)
        elif math.isnan(values[p.name]):
            raise ParameterError(p.name, "a real number", values[p.name])
    args = [values[p] for p in expected]
    if isinstance(formula, ImplicitFormula):  # solved by its own (exported) float64 code
        print(repr(formula.evaluate(**values)))
    elif backend == "mpmath":
        with mpmath.workdps(digits):
            result = formula.numeric("mpmath")(*(mpmath.mpf(a) for a in args))
            print(mpmath.nstr(result, digits))
    elif backend == "torch":
        import torch

        print(repr(float(formula.numeric("torch")(*(torch.tensor(a, dtype=torch.float64) for a in args)))))
    else:
        print(repr(float(formula.numeric("numpy")(*args))))


@app.command()
def demo(
    output: Path = typer.Option(Path("icl-sym-output"), "--out", "-o", help="Folder for the figure and report."),
    seed: int = typer.Option(0, "--seed", help="Seed of every random draw."),
) -> None:
    """Derive and verify Proposition 1, evaluate it against Monte Carlo, write a figure and a report."""
    from icl_sym.demo import run_demo

    report = run_demo(output, seed=seed, console=out)
    out.print(f"\nfigure: {report.figure}\nreport: {report.report}")


@app.command()
def simulate(
    paper: str = typer.Argument(..., help="The paper whose protocol to run: lu2024."),
    d: int = typer.Option(..., "--d", help="Token dimension (>= 2)."),
    alpha: float = typer.Option(..., "--alpha", help="Context length over d (ell = round(alpha d) >= 2)."),
    kappa: float = typer.Option(..., "--kappa", help="Task diversity k/d (> 0, or inf)."),
    tau: float = typer.Option(..., "--tau", help="Pretraining contexts over d^2 (> 0)."),
    rho: float = typer.Option(..., "--rho", help="Label-noise variance (>= 0)."),
    lam: float = typer.Option(..., "--lam", help="Ridge, (n/d) lam convention (>= 0)."),
    draws: int = typer.Option(1, "--draws", help="Independent draws (>= 1)."),
    seed: int = typer.Option(0, "--seed", help="Seed; draw j uses (seed, j)."),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda."),
    sampler: str = typer.Option("sufficient", "--sampler", help="direct or sufficient."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Finite-d simulation of the pretrained linear attention: ICL and IDG errors of Gamma*."""
    import json
    import math

    from icl_sym.core.validation import check_choice
    from icl_sym.sim.lu2024 import simulate_errors

    check_choice("paper", paper, ["lu2024"])
    result = simulate_errors(d, alpha, kappa, tau, rho, lam, draws, seed, device=device, sampler=sampler)
    if as_json:
        # Standard JSON has no infinity: kappa = inf is written as the string "inf".
        print(json.dumps({k: "inf" if isinstance(v, float) and math.isinf(v) else v for k, v in result.items()},
                         allow_nan=False))
        return
    table = Table("quantity", "mean", "std over draws")
    for key in ("icl", "idg"):
        spread = result[f"{key}_std"]
        table.add_row(key.upper(), f"{result[f'{key}_mean']:.6g}", "-" if spread is None else f"{spread:.3g}")
    out.print(f"lu2024: d={d}, ell={result['ell']}, k={result['k']}, n={result['n']}, "
              f"kappa={kappa:g}, tau={tau:g}, rho={rho:g}, lam={lam:g}, {draws} draw(s), "
              f"{result['seconds']:.2f} s on {result['device']}", highlight=False)
    out.print(table)


@app.command()
def figure(
    name: str = typer.Argument(..., help="lu2024.fig1, lu2024.fig2, lu2024.fig3 (theory only) or lu2024.fig4."),
    mode: str = typer.Option("quick", "--mode", help="quick (d = 8, 16, 32; 4 draws; minutes on a CPU) or "
                             "full (the paper's grids, d = 100, 10 draws; meant for a GPU)."),
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
    """Reproduce a figure of Lu et al. (2025): theory curves, simulations (mean ± std over draws) and their
    convergence in 1/d. Every simulated draw is stored as it finishes; a rerun resumes."""
    import contextlib
    import os

    from icl_sym.core.validation import check_choice, check_int
    from icl_sym.experiments.lu2024 import MODES, RECIPES, SimOptions, convergence, make_figure
    from icl_sym.experiments.store import IncompatibleStoreError
    from icl_sym.experiments.sweep import local_executor

    check_choice("figure", name, RECIPES)
    check_choice("--mode", mode, MODES)
    if dims is not None:
        try:
            dims = tuple(int(d) for d in dims.split(","))
        except ValueError:
            raise ParameterError("--dims", "comma-separated integers such as 50,100", dims) from None
    simulation = None if no_sim else SimOptions.for_mode(mode, draws=draws, seed=seed, device=device, dims=dims)
    if scheduler is not None and workers is not None:
        raise UsageFailure("give --workers or --scheduler, not both")
    if workers is None:
        # A process per core on a CPU; one on a GPU, where more processes would share the one device.
        workers = (os.cpu_count() or 1) if device == "cpu" else 1
    check_int("--workers", workers, 1)
    with contextlib.ExitStack() as stack:
        executor = None
        if simulation is not None and scheduler is not None:
            try:
                from dask.distributed import Client
            except ImportError:
                raise UsageFailure("--scheduler needs Dask: pip install 'icl-sym[dask]'") from None
            executor = stack.enter_context(stack.enter_context(Client(scheduler)).get_executor())
        elif simulation is not None:
            executor = local_executor(workers)
            if executor is not None:
                stack.enter_context(executor)
        if simulation is not None:
            d = max(simulation.dims)
            where = f"Dask scheduler {scheduler}" if scheduler else f"{workers} worker(s)"
            out.print(f"{name} ({mode}): d = {', '.join(map(str, simulation.dims))}; {simulation.draws} draws per "
                      f"point; seed {seed}; {device}; {where}; the Γ* solve holds up to "
                      f"{8 * (d * (d + 1)) ** 2 / 1e9:.2g} GB per worker at d = {d}", highlight=False)
        with out.status(f"{name}: computing...") as status:
            try:
                run = make_figure(name, mode, output, simulation=simulation, executor=executor,
                                  progress=lambda done, total: status.update(f"{name}: {done}/{total} draws"))
            except IncompatibleStoreError as exc:
                raise UsageFailure(str(exc)) from None
    if run.simulations is not None:
        out.print(f"{run.tasks_run} of {run.tasks_total} draws simulated now, the others read from "
                  f"{run.simulations}", highlight=False)
        table = Table("d", "points", "median |sim - theory|", "x d")
        for c in convergence(run.markers):
            table.add_row(str(c.d), str(c.points), f"{c.median_abs:.3g}", f"{c.median_abs_times_d:.3g}")
        out.print(table)
    files = f"figure: {run.png}\ntheory: {run.csv}"
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
            print(f"error: {exc.format_message()}", file=sys.stderr)
            sys.exit(exc.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
