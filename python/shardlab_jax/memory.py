"""Per-device peak memory of a compiled program, from XLA's own buffer assignment."""

from __future__ import annotations

from typing import Any


def peak_memory_bytes(compiled: Any) -> int:
    """argument + output + temp − alias bytes of `compiled.memory_analysis()` (per device).

    XLA's buffer assignment keeps the arguments live for the whole program (unless donated),
    allocates the outputs, and packs every intermediate into the temp allocation, whose size is
    the peak of the live intermediates; an output aliased to a donated argument shares its
    buffer, so the alias bytes are counted once. Generated code size is left out (shardlab does
    not model it; on CPU it is reported as 0).
    """
    stats = compiled.memory_analysis()
    if stats is None:
        raise RuntimeError("this backend gives no memory analysis")
    return int(
        stats.argument_size_in_bytes
        + stats.output_size_in_bytes
        + stats.temp_size_in_bytes
        - stats.alias_size_in_bytes
    )
