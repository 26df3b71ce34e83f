"""`icl-sym simulate`: JSON and table output, and one-line errors with exit code 2."""

import json
import subprocess
import sys

import pytest

from icl_sym import cli

BASE = ["simulate", "lu2024", "--d", "6", "--alpha", "2", "--kappa", "0.5", "--tau", "1.5", "--rho", "0.1",
        "--lam", "0.5"]


def with_option(name, value):
    args = list(BASE)
    if name in args:
        args[args.index(name) + 1] = value
    else:
        args += [name, value]
    return args


def run_in_process(args, capsys):
    """Exit code, stdout and stderr of ``icl-sym ARGS`` (in this process: no interpreter start-up)."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_simulate_json_is_one_object_with_the_keys():
    # As a user would run it: a new process, one JSON object on stdout.
    result = subprocess.run([sys.executable, "-m", "icl_sym.cli", *BASE, "--draws", "2", "--seed", "3",
                             "--sampler", "direct", "--json"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"icl_mean", "icl_std", "idg_mean", "idg_std", "icl", "idg", "d", "alpha", "kappa", "tau", "rho", "lam",
            "draws", "seed", "device", "seconds"} <= set(data)
    assert (data["d"], data["draws"], data["seed"], data["sampler"], data["device"]) == (6, 2, 3, "direct", "cpu")
    assert len(data["icl"]) == 2 and data["icl_mean"] > 0


def test_simulate_infinite_kappa_and_table(capsys):
    code, out, _ = run_in_process(with_option("--kappa", "inf") + ["--json"], capsys)
    data = json.loads(out)
    assert code == 0 and data["kappa"] == "inf" and data["idg"] == data["icl"] and data["icl_std"] is None
    code, out, _ = run_in_process(BASE, capsys)
    assert code == 0 and "ICL" in out and "IDG" in out and "ell=12" in out


@pytest.mark.parametrize("args, message", [
    (["simulate", "lu2023", *BASE[2:]], "paper must be one of bordelon2025, lu2024"),
    (with_option("--kappa", "-1"), "kappa must be real in (0, inf) or inf"),
    (with_option("--kappa", "40"), "kappa must be at most about tau*d"),
    (with_option("--d", "1"), "d must be an integer >= 2"),
    (with_option("--lam", "-0.1"), "lam must be real in [0, inf)"),
    (with_option("--draws", "0"), "draws must be an integer >= 1"),
    (with_option("--sampler", "fast"), "sampler must be one of direct, sufficient"),
    (with_option("--device", "tpu"), "device must be a torch device"),
])
def test_bad_input_one_line_exit_2(args, message, capsys):
    code, out, err = run_in_process(args, capsys)
    assert code == 2 and message in err and out == ""
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
