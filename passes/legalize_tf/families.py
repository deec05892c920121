"""Every legalization family; importing this module registers all rules in LEGALIZE_TF."""

from passes.legalize_tf import const, conv, elementwise, matmul, reduce, shape  # noqa: F401
