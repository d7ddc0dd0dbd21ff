"""shardlab_jax: the JAX side of shardlab.

`export` writes a JAX function as StableHLO text with readable names for shardlab to import;
`apply` jits a function with a strategy shardlab exported; `hlo` and `memory` read XLA's
compiled program back (collectives, peak memory) so the two can be compared.
"""

from .export import export, lower_text
from .hlo import Collective, collectives_from_hlo, parse_replica_groups
from .memory import peak_memory_bytes
from .strategy import (
    StrategyError,
    StrategyWarning,
    apply,
    build_mesh,
    constrain,
    load_strategy,
    partition_spec,
    place,
    shardings,
)

__all__ = [
    "Collective",
    "StrategyError",
    "StrategyWarning",
    "apply",
    "build_mesh",
    "collectives_from_hlo",
    "constrain",
    "export",
    "load_strategy",
    "lower_text",
    "parse_replica_groups",
    "partition_spec",
    "peak_memory_bytes",
    "place",
    "shardings",
]
