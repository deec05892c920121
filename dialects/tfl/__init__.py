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
`elementwise.py`, `reduce.py`, `shape.py` the ops); this module re-exports every op so callers write `tfl.Conv2DOp`.
"""

from __future__ import annotations

from xdsl.ir import Dialect
from xdsl.irdl import IRDLOperation

from dialects.tfl.base import *  # noqa: F403
from dialects.tfl.base import ConstOp, NoValueOp
from dialects.tfl.conv import *  # noqa: F403
from dialects.tfl.elementwise import *  # noqa: F403
from dialects.tfl.reduce import *  # noqa: F403
from dialects.tfl.shape import *  # noqa: F403

TFL_OPS: list[type[IRDLOperation]] = [
    NoValueOp,
    ConstOp,
    Conv2DOp,
    DepthwiseConv2DOp,
    TransposeConvOp,
    FullyConnectedOp,
    BatchMatMulOp,
    AveragePool2DOp,
    MaxPool2DOp,
    AddOp,
    SubOp,
    MulOp,
    DivOp,
    MaximumOp,
    MinimumOp,
    SquaredDifferenceOp,
    PowOp,
    FloorDivOp,
    FloorModOp,
    GreaterOp,
    GreaterEqualOp,
    LessOp,
    LessEqualOp,
    EqualOp,
    NotEqualOp,
    LogicalAndOp,
    LogicalOrOp,
    PReluOp,
    SelectV2Op,
    ReluOp,
    Relu6Op,
    Relu1Op,
    EluOp,
    LogisticOp,
    TanhOp,
    HardSwishOp,
    RsqrtOp,
    SqrtOp,
    SquareOp,
    ExpOp,
    LogOp,
    NegOp,
    AbsOp,
    SinOp,
    CosOp,
    FloorOp,
    CeilOp,
    RoundOp,
    LogicalNotOp,
    ZerosLikeOp,
    DequantizeOp,
    QuantizeOp,
    LeakyReluOp,
    GeluOp,
    SoftmaxOp,
    LogSoftmaxOp,
    L2NormalizationOp,
    CastOp,
    BitcastOp,
    SignOp,
    Atan2Op,
    MeanOp,
    SumOp,
    ReduceMaxOp,
    ReduceMinOp,
    ReduceProdOp,
    ReduceAnyOp,
    ReduceAllOp,
    CumsumOp,
    ArgMaxOp,
    ArgMinOp,
    ReshapeOp,
    SqueezeOp,
    ExpandDimsOp,
    TransposeOp,
    ConcatenationOp,
    PackOp,
    UnpackOp,
    SplitOp,
    SplitVOp,
    SliceOp,
    StridedSliceOp,
    PadOp,
    PadV2Op,
    MirrorPadOp,
    GatherOp,
    TileOp,
    BroadcastToOp,
    FillOp,
    RangeOp,
    ShapeOp,
    ResizeBilinearOp,
    ResizeNearestNeighborOp,
]

TFL = Dialect("tfl", TFL_OPS, [])
