"""icl-sym: a symbolic-numeric workbench for the theory of in-context learning.

Start from :mod:`icl_sym.core.registry` (``REGISTRY``: every installed theory's derivations, formulas and
curves, by name) and :mod:`icl_sym.core.theory` (``Theory``, the plugin one paper's theory is). Guides:
`Adding a theory <adding-a-theory.html>`_ (docs/adding-a-theory.md) and `Exports <exports.html>`_
(docs/exports.md).
"""

__version__ = "0.1.0"
