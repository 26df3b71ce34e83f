"""icl-sym: a symbolic-numeric workbench for the theory of in-context learning."""

__version__ = "0.1.0"
