"""Control flow and resource variables: IF, WHILE, CALL_ONCE (ops holding regions, each region exported as one more
subgraph) and VAR_HANDLE / READ_VARIABLE / ASSIGN_VARIABLE.

A region op's options table holds subgraph indices, which exist only in the file: the op declares which region
each options field names (`REGION_FIELDS`) and the exporter numbers the regions' subgraphs. Regions take their
values as block arguments and see nothing of the enclosing function but constants (the exporter copies a constant
used inside a region into that region's subgraph, sharing its buffer), like LiteRT's subgraphs.

The resource ops are not pure: reads and writes of one variable keep their order in the block (the order LiteRT
runs them), so CSE and DCE must neither merge nor drop them.
Op reference: https://www.tensorflow.org/mlir/tfl_ops ; versions: tools/versioning/runtime_version.cc.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from tflite.BuiltinOperator import BuiltinOperator
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Attribute, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.traits import IsTerminator, MemoryReadEffect, MemoryWriteEffect, Pure, RecursiveMemoryEffect
from xdsl.utils.exceptions import VerifyException

from dialects.tfl.base import BOOLEAN, TensorOf, TflOp, tfl_op
from dialects.traits import impure


@irdl_op_definition
class YieldOp(IRDLOperation):
    """tfl.yield: the outputs of a region's subgraph."""

    name = "tfl.yield"
    values = var_operand_def()
    traits = traits_def(IsTerminator(), Pure())
    assembly_format = "($values^ `:` type($values))? attr-dict"

    def __init__(self, values: Sequence[SSAValue] = ()) -> None:
        super().__init__(operands=[list(values)])


class RegionOp(TflOp):
    """A builtin whose options name subgraphs: one per region, in `REGION_FIELDS` order."""

    REGION_OPTIONS: ClassVar[str] = ""  # the options table (its fields are subgraph indices)
    REGION_FIELDS: ClassVar[tuple[str, ...]] = ()
    traits = traits_def(RecursiveMemoryEffect())

    def region_options(self, subgraph_of: Callable[[Region], int]) -> dict[str, Any]:
        """The options table's fields: each region's subgraph index in the file."""
        return {f: subgraph_of(r) for f, r in zip(self.REGION_FIELDS, self.regions, strict=True)}

    def _verify_region(
        self, region: Region, arg_types: list[Attribute], yield_types: list[Attribute] | None
    ) -> None:
        block = region.block
        if [a.type for a in block.args] != arg_types:
            raise VerifyException(
                f"'{self.name}' region arguments must have the types of the operands it receives"
            )
        last = block.last_op
        if not isinstance(last, YieldOp):
            raise VerifyException(f"'{self.name}' regions must end in tfl.yield")
        if yield_types is not None and [v.type for v in last.values] != yield_types:
            raise VerifyException(f"'{self.name}' region yields types that differ from the op's results")


@impure
@tfl_op
class IfOp(RegionOp):
    """tfl.if: runs the then (cond true) or else subgraph on `inputs`; results are that subgraph's outputs."""

    name = "tfl.if"
    BUILTIN = BuiltinOperator.IF
    REGION_OPTIONS: ClassVar[str] = "IfOptions"
    REGION_FIELDS: ClassVar[tuple[str, ...]] = ("then_subgraph_index", "else_subgraph_index")
    VERSIONS = {1: "1.15.0"}
    TYPES = {"cond": TensorOf(*BOOLEAN)}  # inputs/outs are variadic: each value has its own kind
    cond = operand_def()
    inputs = var_operand_def()
    outs = var_result_def()
    then_region = region_def("single_block")
    else_region = region_def("single_block")

    def __init__(self, cond: SSAValue, inputs: Sequence[SSAValue], result_types: Sequence[Attribute]) -> None:
        super().__init__(
            operands=[cond, list(inputs)], result_types=[list(result_types)], regions=[Region(), Region()]
        )

    def verify_(self) -> None:
        super().verify_()
        types, outs = [v.type for v in self.inputs], [r.type for r in self.outs]
        self._verify_region(self.then_region, types, outs)
        self._verify_region(self.else_region, types, outs)


@impure
@tfl_op
class WhileOp(RegionOp):
    """tfl.while: while cond(values) is true, values = body(values); results are the last values."""

    name = "tfl.while"
    BUILTIN = BuiltinOperator.WHILE
    REGION_OPTIONS: ClassVar[str] = "WhileOptions"
    REGION_FIELDS: ClassVar[tuple[str, ...]] = ("cond_subgraph_index", "body_subgraph_index")
    VERSIONS = {1: "1.15.0"}
    inputs = var_operand_def()
    outs = var_result_def()
    cond_region = region_def("single_block")
    body_region = region_def("single_block")

    def __init__(self, inputs: Sequence[SSAValue]) -> None:
        super().__init__(
            operands=[list(inputs)], result_types=[[v.type for v in inputs]], regions=[Region(), Region()]
        )

    def verify_(self) -> None:
        super().verify_()
        types = [v.type for v in self.inputs]
        if [r.type for r in self.outs] != types:
            raise VerifyException(f"'{self.name}' results must have the types of its operands")
        self._verify_region(self.cond_region, types, None)
        self._verify_region(self.body_region, types, types)


@impure
@tfl_op
class CallOnceOp(RegionOp):
    """tfl.call_once: runs its subgraph once per interpreter (TF's resource-variable initializer)."""

    name = "tfl.call_once"
    BUILTIN = BuiltinOperator.CALL_ONCE
    REGION_OPTIONS: ClassVar[str] = "CallOnceOptions"
    REGION_FIELDS: ClassVar[tuple[str, ...]] = ("init_subgraph_index",)
    VERSIONS = {1: "2.5.0"}
    init_region = region_def("single_block")
    # Initializing variables is its whole point: never dead.
    traits = traits_def(MemoryWriteEffect())

    def __init__(self) -> None:
        super().__init__(regions=[Region()])


@impure
@tfl_op
class VarHandleOp(TflOp):
    """tfl.var_handle: the resource of the variable `shared_name` (one per name and interpreter)."""

    name = "tfl.var_handle"
    BUILTIN = BuiltinOperator.VAR_HANDLE
    VERSIONS = {1: "2.6.0"}
    TYPES = {"handle": TensorOf()}  # a resource
    container = prop_def(StringAttr)
    shared_name = prop_def(StringAttr)
    handle = result_def()
    traits = traits_def(MemoryReadEffect())

    def __init__(self, shared_name: str, handle_type: Attribute, container: str = "") -> None:
        super().__init__(
            result_types=[handle_type],
            properties={"container": StringAttr(container), "shared_name": StringAttr(shared_name)},
        )

    def string_options(self) -> tuple[str, dict[str, str]]:
        """VarHandleOptions' string fields (the options machinery in base.py writes numbers only)."""
        return "VarHandleOptions", {"container": self.container.data, "shared_name": self.shared_name.data}


@impure
@tfl_op
class ReadVariableOp(TflOp):
    """tfl.read_variable: the variable's current value."""

    name = "tfl.read_variable"
    BUILTIN = BuiltinOperator.READ_VARIABLE
    VERSIONS = {1: "2.6.0"}
    TYPES = {"resource_id": TensorOf(), "result": TensorOf()}
    resource_id = operand_def()
    result = result_def()
    traits = traits_def(MemoryReadEffect())

    def __init__(self, handle: SSAValue, result_type: Attribute) -> None:
        super().__init__(operands=[handle], result_types=[result_type])


@impure
@tfl_op
class AssignVariableOp(TflOp):
    """tfl.assign_variable: stores `value` into the variable."""

    name = "tfl.assign_variable"
    BUILTIN = BuiltinOperator.ASSIGN_VARIABLE
    VERSIONS = {1: "2.6.0"}
    TYPES = {"resource_id": TensorOf(), "value": TensorOf()}
    resource_id = operand_def()
    value = operand_def()
    traits = traits_def(MemoryWriteEffect())

    def __init__(self, handle: SSAValue, value: SSAValue) -> None:
        super().__init__(operands=[handle, value])


CONTROL_OPS: list[type[IRDLOperation]] = [YieldOp]
