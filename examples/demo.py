"""`make demo`: build a small Keras model, convert it with `tflc convert`, run it in LiteRT and in TensorFlow.

Everything happens in ./out/demo (the model, the SavedModel, the .tflite).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "out", "demo")


def build_model():
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            layers.Conv2D(16, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(6.0),
            layers.MaxPooling2D(),
            layers.DepthwiseConv2D(3, padding="same", activation="relu"),
            layers.Conv2D(32, 1, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(10),
        ],
        name="demo_cnn",
    )


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    model = build_model()
    keras_path = os.path.join(OUT, "demo_cnn.keras")
    model.save(keras_path)
    tflite_path = os.path.join(OUT, "demo_cnn.tflite")
    print(f"$ tflc convert --keras-model-file {keras_path} --output-file {tflite_path}")
    tflc = os.path.join(os.path.dirname(sys.executable), "tflc")
    proc = subprocess.run([tflc, "convert", "--keras-model-file", keras_path, "--output-file", tflite_path])
    if proc.returncode != 0:
        return proc.returncode

    from ai_edge_litert.interpreter import Interpreter

    x = np.random.default_rng(0).uniform(-1, 1, (1, 28, 28, 1)).astype(np.float32)
    ref = model(x, training=False).numpy()
    interp = Interpreter(model_path=tflite_path, num_threads=1)
    runner = interp.get_signature_runner()
    (name,) = runner.get_input_details()
    out = next(iter(runner(**{name: x}).values()))
    err = np.abs(out - ref).max() / np.abs(ref).max()
    print("\nTensorFlow :", np.array2string(ref[0], precision=4, suppress_small=True))
    print("LiteRT     :", np.array2string(out[0], precision=4, suppress_small=True))
    print(f"max error relative to output scale: {err:.2e} ({'OK' if err <= 1e-5 else 'MISMATCH'})")
    if err > 1e-5:
        return 1
    print(
        f"\n$ tflc verify {tflite_path} --keras-model-file {keras_path}   # TF vs LiteRT vs tflc's C runtime"
    )
    return subprocess.run([tflc, "verify", tflite_path, "--keras-model-file", keras_path]).returncode


if __name__ == "__main__":
    sys.exit(main())
