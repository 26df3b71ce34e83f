"""Theories defined by the test suite alone, to show that a theory is a plugin."""
