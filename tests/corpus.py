"""The model corpus of issue 2, shared by tests and benchmarks: name -> Keras model builder, plus reference runs.

Weights are random (`weights=None`); inputs are seeded. Errors are measured relative to the output's scale.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def mlp() -> Any:
    import keras

    return keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)], name="mlp"
    )


def small_cnn() -> Any:
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(16, 3, strides=2),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.DepthwiseConv2D(3, padding="same"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10),
        ],
        name="small_cnn",
    )


def mobilenet_v2() -> Any:
    import keras

    return keras.applications.MobileNetV2(weights=None, classifier_activation=None)


def resnet50() -> Any:
    import keras

    return keras.applications.ResNet50(weights=None, classifier_activation=None)


def efficientnet_b0() -> Any:
    import keras

    return keras.applications.EfficientNetB0(weights=None, classifier_activation=None)


def mobilenet_v3_small() -> Any:
    """Hard-swish model of issue 4's acceptance (preprocessing built in, as Keras ships it)."""
    import keras

    return keras.applications.MobileNetV3Small(
        weights=None, minimalistic=False, input_shape=(224, 224, 3), classifier_activation=None
    )


def transformer_block() -> Any:
    """Encoder block: MultiHeadAttention 4x32 on 64x128, residual + LayerNorm, Dense-GELU feed-forward."""
    import keras
    from keras import layers

    inp = keras.Input((64, 128))
    att = layers.MultiHeadAttention(num_heads=4, key_dim=32)(inp, inp)
    x = layers.LayerNormalization()(inp + att)
    ff = layers.Dense(256, activation="gelu")(x)
    ff = layers.Dense(128)(ff)
    out = layers.LayerNormalization()(x + ff)
    return keras.Model(inp, out, name="transformer_block")


def lstm() -> Any:
    """Keras 3 2-layer LSTM (sequences, then last state) on 32 steps x 16 features; TF 2.21 cannot convert it."""
    import keras
    from keras import layers

    inp = keras.Input((32, 16))
    x = layers.LSTM(64, return_sequences=True)(inp)
    x = layers.LSTM(64)(x)
    return keras.Model(inp, layers.Dense(10)(x), name="lstm")


MODELS: dict[str, Callable[[], Any]] = {
    "mlp": mlp,
    "small_cnn": small_cnn,
    "mobilenet_v2": mobilenet_v2,
    "resnet50": resnet50,
    "efficientnet_b0": efficientnet_b0,
    "transformer_block": transformer_block,
    "mobilenet_v3_small": mobilenet_v3_small,
    "lstm": lstm,
}
HEAVY = {"mobilenet_v2", "resnet50", "efficientnet_b0", "transformer_block", "mobilenet_v3_small"}


def build(name: str) -> Any:
    import keras

    keras.utils.set_random_seed(0)
    return MODELS[name]()


def sample_inputs(model: Any, seed: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [
        rng.uniform(-1, 1, [1 if d is None else d for d in t.shape]).astype(np.float32) for t in model.inputs
    ]


def run_litert(
    model_bytes: bytes, inputs: dict[str, np.ndarray] | list[np.ndarray], signature: str | None = None
) -> dict[str, np.ndarray]:
    """Run a .tflite in the official LiteRT interpreter (1 thread) through its signature runner."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=model_bytes, num_threads=1)
    runner = it.get_signature_runner(signature) if signature else it.get_signature_runner()
    if not isinstance(inputs, dict):
        names = list(runner.get_input_details())
        inputs = dict(zip(names, inputs, strict=True))
    return runner(**inputs)


def rel_error(ours: np.ndarray, ref: np.ndarray) -> float:
    """max |ours - ref| / max |ref| (errors relative to the output's scale)."""
    ours, ref = np.asarray(ours, np.float64), np.asarray(ref, np.float64)
    assert ours.shape == ref.shape, f"shape {ours.shape} != reference {ref.shape}"
    scale = max(float(np.abs(ref).max()), 1e-30)
    return float(np.abs(ours - ref).max()) / scale


def count_ops(model_bytes: bytes) -> int:
    import tflite

    m = tflite.Model.GetRootAsModel(model_bytes, 0)
    return sum(m.Subgraphs(i).OperatorsLength() for i in range(m.SubgraphsLength()))


def quantize_inputs(details: list[dict], inputs: list[np.ndarray]) -> list[np.ndarray]:
    """Float inputs -> each input tensor's dtype (int8/uint8/int16 inputs with its scale and zero point)."""
    out = []
    for d, x in zip(details, inputs, strict=True):
        if np.dtype(d["dtype"]).kind in "iu":
            scale, zp = d["quantization"]
            info = np.iinfo(d["dtype"])
            x = np.clip(np.round(x / scale) + zp, info.min, info.max).astype(d["dtype"])
        out.append(np.asarray(x, d["dtype"]))
    return out


def run_interpreter(interp: Any, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """allocate, set the (quantized) inputs, invoke once; every output in output-detail order."""
    interp.allocate_tensors()
    details = interp.get_input_details()
    for d, x in zip(details, quantize_inputs(details, inputs), strict=True):
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]) for d in interp.get_output_details()]


def run_litert_reference(model_path: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The model in LiteRT with its reference kernels (OpResolverType.BUILTIN_REF), 1 thread.

    Module-level so that tests can run it in a child process: LiteRT aborts the whole process on some failed kernel
    checks (e.g. its softmax PreprocessSoftmaxScaling on tiny int8 scales)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(
        model_path=model_path, num_threads=1, experimental_op_resolver_type=OpResolverType.BUILTIN_REF
    )
    return run_interpreter(interp, inputs)


def run_tflc_runtime(model_path: str, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The model in tflc's C runtime (runtime.Interpreter), 1 thread."""
    from runtime import Interpreter

    return run_interpreter(Interpreter(model_path=model_path, num_threads=1), inputs)


def digits_data(seed: int = 0) -> dict[str, np.ndarray]:
    """scikit-learn's digits (8x8 grey images, pixel values 0..16, 10 classes) shuffled by `seed`: raw-pixel float32
    x_train [1400, 8, 8, 1] / y_train and x_test [397, 8, 8, 1] / y_test, read-only (shared by cached callers)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    x, y = digits.images[order].astype(np.float32)[..., None], digits.target[order]
    out = {"x_train": x[:1400], "y_train": y[:1400], "x_test": x[1400:], "y_test": y[1400:]}
    for a in out.values():
        a.setflags(write=False)
    return out


@functools.cache
def digits_cnn(epochs: int = 20, seed: int = 0) -> tuple[Any, dict[str, np.ndarray]]:
    """A small CNN (conv, depthwise conv, pooling, conv, dense, softmax) trained in seconds on `digits_data(seed)`,
    built once per process for the int8, 16x8, weight-only quantization and metadata tests. The model reads
    pixels / 16; returns it with digits_data's raw-pixel splits."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    d = digits_data(seed)
    model = keras.Sequential(
        [
            keras.Input((8, 8, 1)),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.DepthwiseConv2D(3, activation="relu", padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10),
            layers.Softmax(),
        ],
        name="digits_cnn",
    )
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(d["x_train"] / np.float32(16), d["y_train"], epochs=epochs, batch_size=32, verbose=0)
    return model, d
