"""One package per paper. Theories are found through the ``icl_sym.theories`` entry-point group
(see :mod:`icl_sym.core.registry`), never imported by name here."""
