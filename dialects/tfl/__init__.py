"""The `tfl` dialect: LiteRT (TFLite) builtin ops, each declaring its own FlatBuffer serialization.

An op class states its builtin operator code (`BUILTIN`), its options table and fields (`OPTIONS`, which also
become the op's properties), the versions it emits with the first LiteRT release running each (`VERSIONS`, picked by
`version()`), and what LiteRT's kernel accepts: element kinds per operand and result (`TYPES`) and broadcasting
(`BROADCAST`, `MAX_BROADCAST_RANK`), checked by the verifier and queried by passes — the way `tfl_ops.td` drives
TensorFlow's verifier and exporter. The exporter (compiler/export.py) is generic: adding an op never edits it.
base.py documents the declarations and the query API.

Op reference: https://www.tensorflow.org/mlir/tfl_ops ; schema: tensorflow/compiler/mlir/lite/schema/schema.fbs
Omitted optional operands (e.g. a conv without bias) are the result of `tfl.no_value` and export as -1.

The dialect is split by op family (`base.py` holds the options machinery and op base classes; `conv.py`,
`elementwise.py`, `more.py`, `quantize.py`, `reduce.py`, `shape.py` the ops); this module re-exports every op so callers write `tfl.Conv2DOp`,
and the dialect holds every op `tfl_op` defined.
"""

from __future__ import annotations

from xdsl.ir import Dialect
from xdsl.irdl import IRDLOperation

from dialects.tfl.base import *  # noqa: F403
from dialects.tfl.base import REGISTERED_OPS, ConstOp, NoValueOp
from dialects.tfl.complex import *  # noqa: F403
from dialects.tfl.control import *  # noqa: F403
from dialects.tfl.control import CONTROL_OPS
from dialects.tfl.conv import *  # noqa: F403
from dialects.tfl.custom import CustomOp, StringConstOp
from dialects.tfl.detection import *  # noqa: F403
from dialects.tfl.elementwise import *  # noqa: F403
from dialects.tfl.more import *  # noqa: F403
from dialects.tfl.quantize import *  # noqa: F403
from dialects.tfl.reduce import *  # noqa: F403
from dialects.tfl.rnn import *  # noqa: F403
from dialects.tfl.rnn import VariableStateOp
from dialects.tfl.shape import *  # noqa: F403

# Every op class defined through `tfl_op` (base.REGISTERED_OPS): no second list to forget.
TFL_OPS: list[type[IRDLOperation]] = [
    NoValueOp,
    ConstOp,
    CustomOp,
    StringConstOp,
    *CONTROL_OPS,
    VariableStateOp,
    *REGISTERED_OPS,
]

TFL = Dialect("tfl", TFL_OPS, [])
