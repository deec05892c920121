"""The JAX frontend's acceptance models (Flax MLP, CNN, transformer encoder block) with seeded parameters, shared by
tests/test_jax_frontend.py and benchmarks/convert_jax.py. Needs jax and flax (the `tflc[jax]` extra)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import numpy as np


class MLP(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.relu(nn.Dense(64)(x))
        x = nn.relu(nn.Dense(32)(x))
        return nn.Dense(10)(x)


class CNN(nn.Module):
    """conv, batch norm (inference mode), max / average pooling, dense."""

    @nn.compact
    def __call__(self, x):
        x = nn.Conv(16, (3, 3))(x)
        x = nn.BatchNorm(use_running_average=True)(x)
        x = nn.relu(x)
        x = nn.max_pool(x, (2, 2), strides=(2, 2))
        x = nn.Conv(32, (3, 3), padding="VALID")(x)
        x = nn.relu(x)
        x = nn.avg_pool(x, (2, 2), strides=(2, 2))
        return nn.Dense(10)(x.reshape((x.shape[0], -1)))


class EncoderBlock(nn.Module):
    """Pre-norm transformer encoder block: multi-head self-attention, layer norm, GELU MLP."""

    @nn.compact
    def __call__(self, x):
        y = nn.LayerNorm()(x)
        x = x + nn.MultiHeadDotProductAttention(num_heads=4)(y, y)
        y = nn.Dense(64)(nn.LayerNorm()(x))
        return x + nn.Dense(32)(nn.gelu(y))


MODELS = {"mlp": (MLP, (1, 20)), "cnn": (CNN, (1, 16, 16, 3)), "encoder": (EncoderBlock, (1, 8, 32))}


def random_params(module: nn.Module, x: Any, seed: int) -> Any:
    """Parameters of `module` drawn with numpy at the shapes Flax's init gives (jax.eval_shape: nothing runs, so no
    XLA compilation); batch-norm variances positive."""
    shapes = jax.eval_shape(module.init, jax.random.PRNGKey(0), x)
    rng = np.random.default_rng(seed)

    def draw(path, s):
        fan_in = int(np.prod(s.shape[:-1])) if len(s.shape) > 1 else 1
        if str(path[-1]).find("var") >= 0:
            return rng.uniform(0.5, 1.5, s.shape).astype(np.float32)
        return (rng.standard_normal(s.shape) / np.sqrt(fan_in)).astype(np.float32)

    return jax.tree_util.tree_map_with_path(draw, shapes)


def build(name: str) -> tuple[nn.Module, Any, np.ndarray]:
    """(module, seeded params, example input) of one of MODELS; the params' seed is the model's index."""
    cls, shape = MODELS[name]
    x = jax.random.normal(jax.random.PRNGKey(1), shape, jax.numpy.float32)
    module = cls()
    return module, random_params(module, x, list(MODELS).index(name)), np.asarray(x)


def apply_fn(module: nn.Module, params: Any) -> Callable[..., Any]:
    """A fresh function with the params applied (a new object each call, so JAX caches nothing across calls)."""
    return functools.partial(module.apply, params)
