"""The API reference (docs/build_api.py, pdoc) builds from the docstrings and carries the guides."""

import runpy
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytest.importorskip("pdoc", reason="the API reference needs pdoc (the dev extra)")


def test_api_reference_builds_with_key_objects_and_the_guides(tmp_path):
    build = runpy.run_path(str(ROOT / "docs" / "build_api.py"))["build"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a docstring pdoc cannot read is an error here, not a warning
        page = build(tmp_path)
    assert page == tmp_path / "icl_sym.html" and (tmp_path / "index.html").is_file()

    def html(relative: str) -> str:
        return (tmp_path / relative).read_text(encoding="utf-8")

    for relative, anchors in {
        "icl_sym/core/theory.html": ("Theory", "Theory.curve", "Parameter", "Simulation", "Curve.simulated"),
        "icl_sym/core/registry.html": ("REGISTRY", "Registry.get_formula"),
        "icl_sym/core/checks.html": ("CheckResult.sentence",),
        "icl_sym/core/tex.html": ("tex_to_text",),
        "icl_sym/theories/lu2024.html": ("e_icl", "e_idg", "g_task"),
        "icl_sym/notebook.html": ("Walkthrough",),
    }.items():
        text = html(relative)
        for anchor in anchors:
            assert f'id="{anchor}"' in text, f"{anchor} is not documented in {relative}"
    guide = html("adding-a-theory.html")
    assert '<h1 id="adding-a-theory">Adding a theory</h1>' in guide and "entry-point" in guide
    assert 'href="adding-a-theory.html"' in html("icl_sym.html")  # the package page links the guide
