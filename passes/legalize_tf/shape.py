"""legalize-tf rules: shape family."""

from passes.legalize_tf.table import LEGALIZE_TF  # noqa: F401
