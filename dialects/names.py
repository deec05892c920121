"""Attribute names shared by every layer: the frontend sets them, passes carry them, the exporter reads them."""

# On any op: the TensorFlow node name, written as the tensor name of the op's first result.
NAME = "tflc.name"
# On a func.func: the SignatureDef's input and output names, in argument / return order.
SIGNATURE_INPUTS = "tflc.input_names"
SIGNATURE_OUTPUTS = "tflc.output_names"
# On a func.func: the names of its input / output tensors in the file (TF's SignatureDef TensorInfo names, e.g.
# `serving_default_x:0` / `StatefulPartitionedCall:0`, or a .tflite's own names), in argument / return order.
INPUT_TENSOR_NAMES = "tflc.input_tensor_names"
OUTPUT_TENSOR_NAMES = "tflc.output_tensor_names"
# On a func.func: node-name prefix of each inlined function call -> the TF function it inlined (for Flex NodeDefs).
TF_CALL_SITES = "tflc.tf_call_sites"
# On a func.func: indices of inputs whose dynamic (None) dims the model reads as values (tf.shape(x)[0], ...). tflc
# fixes them to 1 and folds those reads, so the inputs are pinned to their shape: resizing them must fail, not compute
# with the folded size. The reading nodes are kept for the conversion's note.
PINNED_INPUTS = "tflc.pinned_inputs"
SHAPE_READS = "tflc.shape_reads"
