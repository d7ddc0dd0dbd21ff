"""peak_memory_bytes against sizes worked out by hand."""

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

import shardlab_jax


def test_elementwise_step_holds_its_argument_and_output():
    # x + 1 on f32[1024]: the argument (4096 B) and the output (4096 B) are live together; the
    # add writes straight into the output, so nothing else is needed
    x = jnp.zeros((1024,), jnp.float32)
    compiled = jax.jit(lambda x: x + 1).lower(x).compile()
    assert shardlab_jax.peak_memory_bytes(compiled) == 2 * 4096


def test_sharded_sizes_are_per_device():
    # the same step with x split over 8 devices: each holds 1024/8 floats in and out
    mesh = Mesh(np.array(jax.devices()[:8]), ("data",))
    s = NamedSharding(mesh, PartitionSpec("data"))
    x = jnp.zeros((1024,), jnp.float32)
    compiled = jax.jit(lambda x: x + 1, in_shardings=s, out_shardings=s).lower(x).compile()
    assert shardlab_jax.peak_memory_bytes(compiled) == 2 * 4096 // 8
