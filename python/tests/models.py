"""The conformance suite's models: small, real JAX training steps written here in plain JAX.

Each builder returns a `Model`: the step function, example arguments (deterministic random
values) and the parameter count worked out by hand from the layer shapes, which the importer's
count is checked against. Names follow the usual JAX/Flax spellings (`wi`/`wo`, `wq`/`wk`/`wv`,
`moe/wi`) so shardlab's named tactics find the weights, and `jax.named_scope` gives the scopes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp

import shardlab_jax


@dataclass
class Model:
    name: str
    step: Callable[..., Any]
    args: tuple[Any, ...]
    param_count: int
    description: str
    # absolute tolerance of the numbers-equal check (helpers.ATOL unless the model says why not)
    atol: float = 1e-6


def _normal(key: jax.Array, shape: tuple[int, ...], scale: float) -> jax.Array:
    return scale * jax.random.normal(key, shape, jnp.float32)


def _sgd(params: Any, grads: Any, lr: float = 0.1) -> Any:
    with jax.named_scope("optimizer"):
        return jax.tree.map(lambda p, g: p - lr * g, params, grads)


# --------------------------------------------------------------------------------------------
# MLP: one block x → relu(x·wi + bi)·wo + bo, mean-squared error, SGD.

def mlp(batch: int = 32, d: int = 64, f: int = 128, pinned: bool = False) -> Model:
    """`pinned`: the loss marks each parameter where it is used with
    `shardlab_jax.constrain(p, "gathered/<name>")`, so a strategy can pin the gathered copy."""
    k = jax.random.split(jax.random.key(1), 4)
    params = {
        "mlp": {
            "wi": _normal(k[0], (d, f), 1 / math.sqrt(d)),
            "bi": jnp.zeros((f,), jnp.float32),
            "wo": _normal(k[1], (f, d), 1 / math.sqrt(f)),
            "bo": jnp.zeros((d,), jnp.float32),
        }
    }
    x = _normal(k[2], (batch, d), 1.0)
    y = _normal(k[3], (batch, d), 1.0)

    def loss_fn(params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        p = params["mlp"]
        if pinned:
            p = {k: shardlab_jax.constrain(v, f"gathered/{k}") for k, v in p.items()}
        with jax.named_scope("mlp"):
            h = jax.nn.relu(x @ p["wi"] + p["bi"])
            out = h @ p["wo"] + p["bo"]
        with jax.named_scope("loss"):
            return jnp.mean((out - y) ** 2)

    def train_step(params: Any, x: jax.Array, y: jax.Array) -> tuple[Any, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return _sgd(params, grads), loss

    count = d * f + f + f * d + d
    desc = f"MLP training step (SGD), batch {batch}, {d}→{f}→{d}"
    if pinned:
        desc += "; its loss marks each parameter's use with `shardlab_jax.constrain(p, 'gathered/<name>')`"
    return Model("mlp-pinned" if pinned else "mlp", train_step, (params, x, y), count, desc)


# --------------------------------------------------------------------------------------------
# Transformer training step with Adam: token + position embeddings, pre-LN blocks of
# multi-head attention and MLP, final layer norm, tied output projection, cross-entropy.

def _layer_norm(x: jax.Array, p: dict[str, jax.Array]) -> jax.Array:
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + 1e-5) * p["scale"] + p["bias"]


def _attention(x: jax.Array, p: dict[str, jax.Array], heads: int) -> jax.Array:
    b, t, d = x.shape
    dh = d // heads
    q = (x @ p["wq"]).reshape(b, t, heads, dh)
    k = (x @ p["wk"]).reshape(b, t, heads, dh)
    v = (x @ p["wv"]).reshape(b, t, heads, dh)
    logits = jnp.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(dh)
    mask = jnp.tril(jnp.ones((t, t), bool))
    logits = jnp.where(mask, logits, -1e9)
    weights = jax.nn.softmax(logits, axis=-1)
    out = jnp.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, t, d)
    return out @ p["wo"]


def transformer(batch: int = 8, seq: int = 16, d: int = 32, heads: int = 4, f: int = 64, vocab: int = 64, layers: int = 2, take: bool = False) -> Model:
    """`take`: the loss picks the targets' log-probabilities with `take_along_axis` instead of a
    one-hot product (the two usual spellings of cross-entropy)."""
    keys = iter(jax.random.split(jax.random.key(2), 8 * layers + 8))
    ln = lambda: {"scale": jnp.ones((d,), jnp.float32), "bias": jnp.zeros((d,), jnp.float32)}  # noqa: E731
    params: dict[str, Any] = {
        "embed": _normal(next(keys), (vocab, d), 0.02),
        "pos": _normal(next(keys), (seq, d), 0.02),
        "ln_f": ln(),
    }
    for i in range(layers):
        params[f"layers_{i}"] = {
            "ln1": ln(),
            "attn": {w: _normal(next(keys), (d, d), 1 / math.sqrt(d)) for w in ("wq", "wk", "wv", "wo")},
            "ln2": ln(),
            "mlp": {"wi": _normal(next(keys), (d, f), 1 / math.sqrt(d)), "wo": _normal(next(keys), (f, d), 1 / math.sqrt(f))},
        }
    zeros = jax.tree.map(jnp.zeros_like, params)
    opt_state = {"count": jnp.zeros((), jnp.int32), "mu": zeros, "nu": zeros}
    tokens = jax.random.randint(next(keys), (batch, seq), 0, vocab, jnp.int32)
    targets = jax.random.randint(next(keys), (batch, seq), 0, vocab, jnp.int32)

    def loss_fn(params: Any, tokens: jax.Array, targets: jax.Array) -> jax.Array:
        with jax.named_scope("embed"):
            x = jnp.take(params["embed"], tokens, axis=0) + params["pos"][None]
        for i in range(layers):
            p = params[f"layers_{i}"]
            with jax.named_scope(f"layers_{i}"):
                with jax.named_scope("attn"):
                    x = x + _attention(_layer_norm(x, p["ln1"]), p["attn"], heads)
                with jax.named_scope("mlp"):
                    h = jax.nn.gelu(_layer_norm(x, p["ln2"]) @ p["mlp"]["wi"])
                    x = x + h @ p["mlp"]["wo"]
        with jax.named_scope("head"):
            logits = _layer_norm(x, params["ln_f"]) @ params["embed"].T
        with jax.named_scope("loss"):
            logp = jax.nn.log_softmax(logits, axis=-1)
            if take:  # lowers to a gather with batching dims
                return -jnp.mean(jnp.take_along_axis(logp, targets[..., None], axis=-1))
            # softmax cross-entropy against one-hot targets, as optax.softmax_cross_entropy
            return -jnp.mean(jnp.sum(logp * jax.nn.one_hot(targets, vocab), axis=-1))

    def train_step(params: Any, opt_state: Any, batch: dict[str, jax.Array]) -> tuple[Any, Any, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, batch["tokens"], batch["targets"])
        with jax.named_scope("optimizer"):
            lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
            count = opt_state["count"] + 1
            mu = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, opt_state["mu"], grads)
            nu = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, opt_state["nu"], grads)
            c1 = 1 - b1 ** count.astype(jnp.float32)
            c2 = 1 - b2 ** count.astype(jnp.float32)
            new = jax.tree.map(lambda p, m, v: p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps), params, mu, nu)
        return new, {"count": count, "mu": mu, "nu": nu}, loss

    per_layer = 4 * d * d + 2 * d * f + 4 * d
    count = vocab * d + seq * d + 2 * d + layers * per_layer
    desc = f"transformer training step (Adam), {layers} layers, batch {batch}×{seq}, d {d}, {heads} heads, MLP {f}, vocab {vocab}, tied embeddings"
    desc += ", cross-entropy by take_along_axis" if take else ", cross-entropy against one-hot targets"
    # Adam divides each gradient by its own magnitude: a gradient entry that cancels to near
    # zero (|g| within a few hundred eps) keeps the reduction-order noise of the sharded sum in
    # its update, up to a fraction of the step lr = 1e-3. 1e-5 = 1% of one step.
    return Model("transformer-take" if take else "transformer", train_step, (params, opt_state, {"tokens": tokens, "targets": targets}), count, desc, atol=1e-5)


# --------------------------------------------------------------------------------------------
# CNN: two 3×3 convolutions (NHWC/HWIO) with ReLU, global average pool, dense classifier,
# softmax cross-entropy, SGD.

def cnn(batch: int = 16, size: int = 8, classes: int = 10) -> Model:
    k = jax.random.split(jax.random.key(3), 5)
    params = {
        "conv1": {"kernel": _normal(k[0], (3, 3, 3, 8), 0.2), "bias": jnp.zeros((8,), jnp.float32)},
        "conv2": {"kernel": _normal(k[1], (3, 3, 8, 16), 0.1), "bias": jnp.zeros((16,), jnp.float32)},
        "dense": {"kernel": _normal(k[2], (16, classes), 0.25), "bias": jnp.zeros((classes,), jnp.float32)},
    }
    images = _normal(k[3], (batch, size, size, 3), 1.0)
    labels = jax.random.randint(k[4], (batch,), 0, classes, jnp.int32)

    def conv(x: jax.Array, p: dict[str, jax.Array]) -> jax.Array:
        y = jax.lax.conv_general_dilated(x, p["kernel"], (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jax.nn.relu(y + p["bias"])

    def loss_fn(params: Any, images: jax.Array, labels: jax.Array) -> jax.Array:
        with jax.named_scope("conv1"):
            x = conv(images, params["conv1"])
        with jax.named_scope("conv2"):
            x = conv(x, params["conv2"])
        with jax.named_scope("dense"):
            logits = jnp.mean(x, axis=(1, 2)) @ params["dense"]["kernel"] + params["dense"]["bias"]
        with jax.named_scope("loss"):
            logp = jax.nn.log_softmax(logits)
            return -jnp.mean(jnp.sum(logp * jax.nn.one_hot(labels, classes), axis=-1))

    def train_step(params: Any, images: jax.Array, labels: jax.Array) -> tuple[Any, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, images, labels)
        return _sgd(params, grads), loss

    count = 3 * 3 * 3 * 8 + 8 + 3 * 3 * 8 * 16 + 16 + 16 * classes + classes
    return Model("cnn", train_step, (params, images, labels), count, f"CNN training step (SGD), batch {batch}, {size}×{size}×3, conv 8/16, {classes} classes")


# --------------------------------------------------------------------------------------------
# MoE layer (GShard style): top-1 router with capacity, einsum dispatch into [E, G, C, d],
# expert MLPs with weights [E, d, f] / [E, f, d], einsum combine, MSE loss, SGD.

def moe(groups: int = 8, tokens: int = 8, d: int = 16, experts: int = 4, f: int = 32, capacity: int = 4) -> Model:
    k = jax.random.split(jax.random.key(4), 5)
    params = {
        "moe": {
            "router": _normal(k[0], (d, experts), 1 / math.sqrt(d)),
            "wi": _normal(k[1], (experts, d, f), 1 / math.sqrt(d)),
            "wo": _normal(k[2], (experts, f, d), 1 / math.sqrt(f)),
        }
    }
    x = _normal(k[3], (groups, tokens, d), 1.0)
    y = _normal(k[4], (groups, tokens, d), 1.0)

    def loss_fn(params: Any, x: jax.Array, y: jax.Array) -> jax.Array:
        p = params["moe"]
        with jax.named_scope("router"):
            gates = jax.nn.softmax(jnp.einsum("gsd,de->gse", x, p["router"]), axis=-1)
            # top-1 without argmax: the expert whose gate equals the row's maximum
            top = (gates == jnp.max(gates, axis=-1, keepdims=True)).astype(jnp.float32)
            # a token's slot in its expert's buffer = tokens before it routed there (a
            # triangular matmul instead of cumsum, which lowers to reduce_window)
            before = jnp.tril(jnp.ones((tokens, tokens), jnp.float32), -1)
            slot = jnp.einsum("st,gte->gse", before, top)
            keep = top * (slot < capacity)
            dispatch = keep[..., None] * jax.nn.one_hot(slot.astype(jnp.int32), capacity, dtype=jnp.float32)
            combine = dispatch * gates[..., None]
        with jax.named_scope("experts"):
            xin = jnp.einsum("gsec,gsd->egcd", dispatch, x)
            h = jax.nn.relu(jnp.einsum("egcd,edf->egcf", xin, p["wi"]))
            out = jnp.einsum("egcf,efd->egcd", h, p["wo"])
        with jax.named_scope("combine"):
            z = jnp.einsum("gsec,egcd->gsd", combine, out)
        with jax.named_scope("loss"):
            return jnp.mean((z - y) ** 2)

    def train_step(params: Any, x: jax.Array, y: jax.Array) -> tuple[Any, jax.Array]:
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        return _sgd(params, grads), loss

    count = d * experts + 2 * experts * d * f
    return Model("moe", train_step, (params, x, y), count, f"MoE layer training step (SGD), {groups} groups × {tokens} tokens, d {d}, {experts} experts of {f}, capacity {capacity}, top-1")


ALL: dict[str, Callable[[], Model]] = {
    "mlp": mlp,
    "mlp-pinned": lambda: mlp(pinned=True),
    "transformer": transformer,
    "transformer-take": lambda: transformer(take=True),
    "cnn": cnn,
    "moe": moe,
}
