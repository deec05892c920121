"""The `tf` dialect: TensorFlow graph ops as imported from a GraphDef/FunctionDef.

Every TF op keeps TensorFlow's own name (`tf.Conv2D`), its operands in NodeDef input order and its NodeDef
attributes as discardable attributes (`T`, `strides`, `padding`, ...), printed in MLIR's generic form like the
TensorFlow MLIR dialect. Ops the compiler knows get a typed class (dispatch key for rewrites, named operands, arity
check); any other TF op imports as `tf.generic`, carrying its op type and serialized NodeDef, so import never fails
and the analyzer can report it. Op reference: https://www.tensorflow.org/api_docs/python/tf/raw_ops
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects.builtin import BytesAttr, StringAttr
from xdsl.ir import Dialect, Operation, ParametrizedAttribute, SSAValue, TypeAttribute
from xdsl.irdl import (
    IRDLOperation,
    VarOperandDef,
    VarResultDef,
    base,
    irdl_attr_definition,
    irdl_op_definition,
    operand_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import IsTerminator, MemoryReadEffect, MemoryWriteEffect, Pure, RecursiveMemoryEffect
from xdsl.utils.exceptions import VerifyException

from dialects.elements import ConstantOp
from dialects.traits import impure

_PLAIN: dict[type, bool] = {}


def _plain_tf_op(cls: type[IRDLOperation]) -> bool:
    """Whether the class's definition is TFOp's own: the `args` operand list and `outs` result list, nothing else."""
    plain = _PLAIN.get(cls)
    if plain is None:
        d = cls.get_irdl_definition()
        plain = _PLAIN[cls] = (
            [(n, type(x)) for n, x in d.operands] == [("args", VarOperandDef)]
            and [(n, type(x)) for n, x in d.results] == [("outs", VarResultDef)]
            and not d.regions
            and not d.successors
            and not d.options
        )
    return plain


@irdl_attr_definition
class OpaqueType(ParametrizedAttribute, TypeAttribute):
    """A TF tensor type with no builtin element type: `!tf.opaque<"resource">`, `"variant"`, `"string"`."""

    name = "tf.opaque"
    kind: StringAttr


class TFOp(IRDLOperation):
    """Base of all TF ops: operands in NodeDef order, results in OpDef order, TF attributes in the attr-dict."""

    args = var_operand_def()
    outs = var_result_def()
    # Variables are frozen before import, so at inference every TF op is a pure function of its operands.
    traits = traits_def(Pure())

    # Operand names in NodeDef order; a trailing "*" marks a variadic tail (e.g. ConcatV2's values).
    OPERAND_NAMES: ClassVar[tuple[str, ...]] = ()
    TF_TYPE: ClassVar[str] = ""

    def __init__(self, operands, result_types, attributes=None) -> None:  # noqa: ANN001
        if _plain_tf_op(type(self)):
            # generic construction: one variadic operand and one result list leave IRDL's builder nothing to arrange
            # but what it does here too (ops as their single result, None attributes dropped)
            Operation.__init__(
                self,
                operands=[SSAValue.get(v) for v in operands],
                result_types=list(result_types),
                attributes={k: v for k, v in (attributes or {}).items() if v is not None},
            )
            return
        super().__init__(
            operands=[list(operands)], result_types=[list(result_types)], attributes=attributes or {}
        )

    @property
    def op_type(self) -> str:
        return self.TF_TYPE

    def operand(self, name: str) -> SSAValue:
        return self.operands[self.OPERAND_NAMES.index(name)]

    def verify_(self) -> None:
        fixed = [n for n in self.OPERAND_NAMES if not n.endswith("*")]
        variadic = len(fixed) != len(self.OPERAND_NAMES)
        n = len(self.operands)
        if (n < len(fixed)) if variadic else (self.OPERAND_NAMES and n != len(fixed)):
            raise VerifyException(
                f"'{self.name}' expects {'at least ' if variadic else ''}{len(fixed)} operands "
                f"({', '.join(self.OPERAND_NAMES)}), got {n}"
            )


@irdl_op_definition
class ConstOp(ConstantOp):
    """tf.Const: a constant tensor (numpy-held)."""

    name = "tf.Const"


@irdl_op_definition
class GenericOp(TFOp):
    """A TF op the compiler has no typed class for: its op type, attributes and the serialized NodeDef."""

    name = "tf.generic"
    tf_op = prop_def(StringAttr)
    # xDSL's parser reads a quoted literal that is valid UTF-8 back as a StringAttr, so text round trips give either.
    node_def = prop_def(base(BytesAttr) | base(StringAttr))

    def __init__(self, tf_op: str, node_def: bytes, operands, result_types, attributes=None) -> None:  # noqa: ANN001
        IRDLOperation.__init__(
            self,
            operands=[list(operands)],
            result_types=[list(result_types)],
            properties={"tf_op": StringAttr(tf_op), "node_def": BytesAttr(node_def)},
            attributes=attributes or {},
        )

    @property
    def op_type(self) -> str:
        return self.tf_op.data

    @property
    def node_def_bytes(self) -> bytes:
        """The serialized NodeDef (whether the property holds bytes or, after a text round trip, a string)."""
        v = self.node_def.data
        return v.encode("utf-8") if isinstance(v, str) else v


# The typed TF ops, as a table: TF op type -> operand names (NodeDef input order).
_OPS: dict[str, tuple[str, ...]] = {
    # conv / matmul
    "Conv2D": ("input", "filter"),
    "DepthwiseConv2dNative": ("input", "filter"),
    "Conv2DBackpropInput": ("input_sizes", "filter", "out_backprop"),
    "MatMul": ("a", "b"),
    "BatchMatMul": ("x", "y"),
    "BatchMatMulV2": ("x", "y"),
    "BatchMatMulV3": ("x", "y"),
    "Einsum": ("inputs*",),
    "BiasAdd": ("value", "bias"),
    "FusedBatchNorm": ("x", "scale", "offset", "mean", "variance"),
    "FusedBatchNormV3": ("x", "scale", "offset", "mean", "variance"),
    # elementwise binary
    "Add": ("x", "y"),
    "AddV2": ("x", "y"),
    "AddN": ("inputs*",),
    "Sub": ("x", "y"),
    "Mul": ("x", "y"),
    "RealDiv": ("x", "y"),
    "DivNoNan": ("x", "y"),
    "FloorDiv": ("x", "y"),
    "FloorMod": ("x", "y"),
    "Maximum": ("x", "y"),
    "Minimum": ("x", "y"),
    "SquaredDifference": ("x", "y"),
    "Pow": ("x", "y"),
    "Greater": ("x", "y"),
    "GreaterEqual": ("x", "y"),
    "Less": ("x", "y"),
    "LessEqual": ("x", "y"),
    "Equal": ("x", "y"),
    "NotEqual": ("x", "y"),
    "LogicalAnd": ("x", "y"),
    "LogicalOr": ("x", "y"),
    "SelectV2": ("condition", "t", "e"),
    "Select": ("condition", "t", "e"),
    # elementwise unary / activations
    "Relu": ("features",),
    "Relu6": ("features",),
    "Elu": ("features",),
    "Selu": ("features",),
    "LeakyRelu": ("features",),
    "Sigmoid": ("x",),
    "Tanh": ("x",),
    "Softmax": ("logits",),
    "LogSoftmax": ("logits",),
    "Softplus": ("features",),
    "Gelu": ("features",),
    "Erf": ("x",),
    "Rsqrt": ("x",),
    "Sqrt": ("x",),
    "Square": ("x",),
    "Exp": ("x",),
    "Log": ("x",),
    "Neg": ("x",),
    "Abs": ("x",),
    "Reciprocal": ("x",),
    "Sin": ("x",),
    "Cos": ("x",),
    "Floor": ("x",),
    "Ceil": ("x",),
    "Round": ("x",),
    "LogicalNot": ("x",),
    "Cast": ("x",),
    # pooling / reductions
    "MaxPool": ("input",),
    "AvgPool": ("input",),
    "Mean": ("input", "reduction_indices"),
    "Sum": ("input", "reduction_indices"),
    "Max": ("input", "reduction_indices"),
    "Min": ("input", "reduction_indices"),
    "Prod": ("input", "reduction_indices"),
    "ArgMax": ("input", "dimension"),
    "ArgMin": ("input", "dimension"),
    # shape and data movement
    "Reshape": ("tensor", "shape"),
    "Squeeze": ("input",),
    "ExpandDims": ("input", "dim"),
    "Transpose": ("x", "perm"),
    "ConcatV2": ("values*",),
    "Pack": ("values*",),
    "Unpack": ("value",),
    "Split": ("split_dim", "value"),
    "SplitV": ("value", "size_splits", "split_dim"),
    "Slice": ("input", "begin", "size"),
    "StridedSlice": ("input", "begin", "end", "strides"),
    "Pad": ("input", "paddings"),
    "PadV2": ("input", "paddings", "constant_values"),
    "MirrorPad": ("input", "paddings"),
    "GatherV2": ("params", "indices", "axis"),
    "Tile": ("input", "multiples"),
    "BroadcastTo": ("input", "shape"),
    "Fill": ("dims", "value"),
    "Range": ("start", "limit", "delta"),
    "Shape": ("input",),
    "Size": ("input",),
    "Rank": ("input",),
    "ZerosLike": ("x",),
    "OnesLike": ("x",),
    "ResizeBilinear": ("images", "size"),
    "ResizeNearestNeighbor": ("images", "size"),
    # identities (removed by cleanup)
    "Identity": ("input",),
    "IdentityN": ("input*",),
    "StopGradient": ("input",),
    "Snapshot": ("input",),
    "PreventGradient": ("input",),
    "CheckNumerics": ("tensor",),
    "EnsureShape": ("input",),
    "NoOp": (),
    # elementwise (appended)
    "Erfc": ("x",),
    "Softsign": ("features",),
    "Expm1": ("x",),
    "Any": ("input", "reduction_indices"),
    "All": ("input", "reduction_indices"),
    "Bitcast": ("input",),
    "BitwiseAnd": ("x", "y"),
    "IsNan": ("x",),
    "IsInf": ("x",),
    "IsFinite": ("x",),
    "Log1p": ("x",),
    "Sign": ("x",),
    "Atan2": ("y", "x"),
    "Cumsum": ("x", "axis"),
    "TopKV2": ("input", "k"),
    # data rearrangement, gather/scatter (appended)
    "DepthToSpace": ("input",),
    "SpaceToDepth": ("input",),
    "GatherNd": ("params", "indices"),
    "ReverseV2": ("tensor", "axis"),
    "OneHot": ("indices", "depth", "on_value", "off_value"),
    "ScatterNd": ("indices", "updates", "shape"),
    "Conv3D": ("input", "filter"),
    "Conv3DBackpropInputV2": ("input_sizes", "filter", "out_backprop"),
    "MatrixBandPart": ("input", "num_lower", "num_upper"),
    "MulNoNan": ("x", "y"),
    "SigmoidGrad": ("y", "dy"),
    "TanhGrad": ("y", "dy"),
    "RsqrtGrad": ("y", "dy"),
    "L2Loss": ("t",),
    "BiasAddGrad": ("out_backprop",),
    "Gather": ("params", "indices"),
    "ApproxTopK": ("input",),
    "Div": ("x", "y"),
    "SegmentSum": ("data", "segment_ids"),
    "UnsortedSegmentSum": ("data", "segment_ids", "num_segments"),
    "UnsortedSegmentMax": ("data", "segment_ids", "num_segments"),
    "UnsortedSegmentMin": ("data", "segment_ids", "num_segments"),
    "UnsortedSegmentProd": ("data", "segment_ids", "num_segments"),
    "MatrixDiag": ("diagonal",),
    "MatrixDiagV2": ("diagonal", "k", "num_rows", "num_cols", "padding_value"),
    "MatrixDiagV3": ("diagonal", "k", "num_rows", "num_cols", "padding_value"),
    "MatrixSetDiag": ("input", "diagonal"),
    "MatrixSetDiagV2": ("input", "diagonal", "k"),
    "MatrixSetDiagV3": ("input", "diagonal", "k"),
    # the rest of TF's builtin legalizations (appended)
    "BroadcastArgs": ("s0", "s1"),
    "BitwiseXor": ("x", "y"),
    "RightShift": ("x", "y"),
    "ReverseSequence": ("input", "seq_lengths"),
    "Bucketize": ("input",),
    "LRN": ("input",),
    "BatchNormWithGlobalNormalization": ("t", "m", "v", "beta", "gamma"),
    "SoftmaxCrossEntropyWithLogits": ("features", "labels"),
    "XlaDynamicUpdateSlice": ("input", "update", "indices"),
    "SparseToDense": ("sparse_indices", "output_shape", "sparse_values", "default_value"),
    "Where": ("input",),
    "Unique": ("x",),
    "RandomUniform": ("shape",),
    "RandomStandardNormal": ("shape",),
    "NonMaxSuppressionV3": ("boxes", "scores", "max_output_size", "iou_threshold", "score_threshold"),
    "NonMaxSuppressionV4": ("boxes", "scores", "max_output_size", "iou_threshold", "score_threshold"),
    "NonMaxSuppressionV5": (
        "boxes",
        "scores",
        "max_output_size",
        "iou_threshold",
        "score_threshold",
        "soft_nms_sigma",
    ),
    "Multinomial": ("logits", "num_samples"),
}


def _make_op(tf_type: str, operand_names: tuple[str, ...]) -> type[TFOp]:
    cls = type(
        f"{tf_type}Op",
        (TFOp,),
        {
            "name": f"tf.{tf_type}",
            "TF_TYPE": tf_type,
            "OPERAND_NAMES": operand_names,
            "__annotations__": {"TF_TYPE": ClassVar[str], "OPERAND_NAMES": ClassVar[tuple[str, ...]]},
            "__doc__": f"tf.{tf_type}: https://www.tensorflow.org/api_docs/python/tf/raw_ops/{tf_type}",
            "__module__": __name__,
            "__qualname__": f"{tf_type}Op",
        },
    )
    return irdl_op_definition(cls)


OPS: dict[str, type[TFOp]] = {tf_type: _make_op(tf_type, names) for tf_type, names in _OPS.items()}
globals().update({f"{t}Op": c for t, c in OPS.items()})


def op_class(tf_type: str) -> type[TFOp] | None:
    """The typed op class for a TF op type, or None (then it imports as tf.generic)."""
    return OPS.get(tf_type)


# ---- control flow: TF's functional If/While with their functions imported as regions ---------------------------


@irdl_op_definition
class YieldOp(IRDLOperation):
    """tf.Yield: the values a branch, loop condition or loop body returns."""

    name = "tf.Yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), Pure())
    assembly_format = "$values attr-dict `:` type($values)"

    def __init__(self, values) -> None:  # noqa: ANN001
        super().__init__(operands=[list(values)])


def verify_region_signature(
    op: IRDLOperation, region_name: str, arg_types: list, yield_types: list | None
) -> None:
    """A control-flow region takes `arg_types` and (when given) yields `yield_types`."""
    region = getattr(op, region_name)
    block = region.block
    got = [a.type for a in block.args]
    if got != list(arg_types):
        raise VerifyException(
            f"'{op.name}' {region_name} takes {len(got)} arguments of types that differ from its operands"
        )
    last = block.last_op
    if last is None or not last.has_trait(IsTerminator):
        raise VerifyException(f"'{op.name}' {region_name} must end in a yield")
    if yield_types is not None and [v.type for v in last.operands] != list(yield_types):
        raise VerifyException(f"'{op.name}' {region_name} yields types that differ from the op's results")


@irdl_op_definition
class IfRegionOp(IRDLOperation):
    """tf.IfRegion: TF's If/StatelessIf with `then_branch`/`else_branch` imported as regions. Each region takes
    `inputs` as block arguments (regions see no value of the enclosing function but constants) and yields the
    results."""

    name = "tf.IfRegion"
    cond = operand_def()
    inputs = var_operand_def()
    outs = var_result_def()
    then_region = region_def("single_block")
    else_region = region_def("single_block")
    traits = traits_def(RecursiveMemoryEffect())

    def __init__(self, cond, inputs, result_types, then_region, else_region, attributes=None) -> None:  # noqa: ANN001
        super().__init__(
            operands=[cond, list(inputs)],
            result_types=[list(result_types)],
            regions=[then_region, else_region],
            attributes=attributes or {},
        )

    def verify_(self) -> None:
        types = [v.type for v in self.inputs]
        outs = [r.type for r in self.outs]
        verify_region_signature(self, "then_region", types, outs)
        verify_region_signature(self, "else_region", types, outs)


@irdl_op_definition
class WhileRegionOp(IRDLOperation):
    """tf.WhileRegion: TF's While/StatelessWhile with `cond`/`body` imported as regions. Both take the loop-carried
    values; `cond_region` yields one boolean, `body_region` yields the next loop-carried values."""

    name = "tf.WhileRegion"
    inputs = var_operand_def()
    outs = var_result_def()
    cond_region = region_def("single_block")
    body_region = region_def("single_block")
    traits = traits_def(RecursiveMemoryEffect())

    def __init__(self, inputs, cond_region, body_region, attributes=None) -> None:  # noqa: ANN001
        super().__init__(
            operands=[list(inputs)],
            result_types=[[v.type for v in inputs]],
            regions=[cond_region, body_region],
            attributes=attributes or {},
        )

    def verify_(self) -> None:
        types = [v.type for v in self.inputs]
        if [r.type for r in self.outs] != types:
            raise VerifyException(f"'{self.name}' results must have the types of its operands")
        verify_region_signature(self, "cond_region", types, None)
        verify_region_signature(self, "body_region", types, types)


# ---- resource variables (imported only with experimental_enable_resource_variables; otherwise frozen) ---------


def _effect_op(tf_type: str, operand_names: tuple[str, ...], effect: type) -> type[TFOp]:
    """A typed TF op with a memory effect instead of Pure: reads and writes of a variable keep their order."""
    cls_name = tf_type if tf_type.endswith("Op") else f"{tf_type}Op"
    cls = type(
        cls_name,
        (TFOp,),
        {
            "name": f"tf.{tf_type}",
            "TF_TYPE": tf_type,
            "OPERAND_NAMES": operand_names,
            "traits": traits_def(effect()),
            "__annotations__": {"TF_TYPE": ClassVar[str], "OPERAND_NAMES": ClassVar[tuple[str, ...]]},
            "__doc__": f"tf.{tf_type}: https://www.tensorflow.org/api_docs/python/tf/raw_ops/{tf_type}",
            "__module__": __name__,
            "__qualname__": cls_name,
        },
    )
    return impure(irdl_op_definition(cls))


VarHandleOp = _effect_op("VarHandleOp", (), MemoryReadEffect)
ReadVariableOp = _effect_op("ReadVariableOp", ("resource",), MemoryReadEffect)
AssignVariableOp = _effect_op("AssignVariableOp", ("resource", "value"), MemoryWriteEffect)

CONTROL_FLOW_OPS = [YieldOp, IfRegionOp, WhileRegionOp, VarHandleOp, ReadVariableOp, AssignVariableOp]

TF = Dialect("tf", [ConstOp, GenericOp, *OPS.values(), *CONTROL_FLOW_OPS], [OpaqueType])
