"""The workbench engine: formulas, derivations, checks, moments, export, numerics. It knows no paper."""
