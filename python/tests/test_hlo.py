"""Reading collectives out of XLA's HLO text: every replica-group spelling, async forms,
combined all-reduces, and the mapping of groups back to mesh axes. Expected groups are written
out by hand from the HLO semantics, not computed by the code under test."""

import pytest

from shardlab_jax.hlo import (
    HloParseError,
    axes_of_groups,
    axes_of_pairs,
    collectives_from_hlo,
    parse_replica_groups,
)

MESH = (["data", "model"], [4, 2])  # device = 2·data + model


def test_explicit_groups():
    assert parse_replica_groups("replica_groups={{0,1},{2,3}}, use_global_device_ids=true") == [[0, 1], [2, 3]]


def test_empty_groups_mean_all_devices():
    assert parse_replica_groups("replica_groups={}, to_apply=%add", 4) == [[0, 1, 2, 3]]


def test_iota_groups_plain():
    # [2,4]<=[8]: iota 0..7 cut into 2 rows of 4
    assert parse_replica_groups("replica_groups=[2,4]<=[8]") == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_iota_groups_transposed():
    # [4,2]<=[2,4]T(1,0): iota as 2×4 = [[0,1,2,3],[4,5,6,7]], transposed to 4×2
    assert parse_replica_groups("replica_groups=[4,2]<=[2,4]T(1,0)") == [[0, 4], [1, 5], [2, 6], [3, 7]]


def test_mesh_form_groups():
    # the devices of a 4×2 mesh that differ only in axis_0: {0,2,4,6} and {1,3,5,7}
    groups = parse_replica_groups("replica_groups=mesh['axis_0'=4,'axis_1'=2] {'axis_0'}, use_global_device_ids=true")
    assert groups == [[0, 2, 4, 6], [1, 3, 5, 7]]
    both = parse_replica_groups("replica_groups=mesh['axis_0'=4,'axis_1'=2] {'axis_1','axis_0'}")
    assert both == [[0, 2, 4, 6, 1, 3, 5, 7]]


def test_mesh_form_with_device_ids():
    # mesh [1,2,4] whose positions hold devices iota([4,2]).T flattened = 0,2,4,6,1,3,5,7:
    # axis_1 (size 2) pairs position p with p+4, i.e. devices {0,1}, {2,3}, {4,5}, {6,7}
    attrs = "replica_groups=mesh['axis_0'=1,'axis_1'=2,'axis_2'=4], device_ids=([4,2]T(1,0)) {'axis_1'}, use_global_device_ids=true"
    assert parse_replica_groups(attrs) == [[0, 1], [2, 3], [4, 5], [6, 7]]
    explicit = "replica_groups=mesh['a'=2,'b'=2], device_ids=[3,2,1,0] {'b'}"
    assert parse_replica_groups(explicit) == [[3, 2], [1, 0]]


def test_mesh_form_rejects_unknown_axis():
    with pytest.raises(HloParseError, match="'z'"):
        parse_replica_groups("replica_groups=mesh['axis_0'=4] {'z'}")


def test_groups_to_axes():
    names, sizes = MESH
    assert axes_of_groups([[0, 1], [2, 3], [4, 5], [6, 7]], names, sizes) == ("model",)
    assert axes_of_groups([[0, 2, 4, 6], [1, 3, 5, 7]], names, sizes) == ("data",)
    assert axes_of_groups([list(range(8))], names, sizes) == ("data", "model")
    # model-major order over all eight devices
    assert axes_of_groups([[0, 2, 4, 6, 1, 3, 5, 7]], names, sizes) == ("model", "data")
    # same members, shuffled order: still the data axis (members decide)
    assert axes_of_groups([[6, 4, 2, 0], [1, 3, 5, 7]], names, sizes) == ("data",)
    # pairs across both axes are no mesh axis
    assert axes_of_groups([[0, 3], [1, 2], [4, 7], [5, 6]], names, sizes) is None


def test_permute_pairs_to_axes():
    names, sizes = MESH
    assert axes_of_pairs([(0, 2), (2, 4), (4, 6), (6, 0)], names, sizes) == ("data",)
    assert axes_of_pairs([(0, 1), (1, 0)], names, sizes) == ("model",)


HLO = """
HloModule jit_step, entry_computation_layout={(f32[8,64]{1,0})->f32[]}

%add.clone (x: f32[], y: f32[]) -> f32[] {
  %x = f32[] parameter(0)
  ROOT %add = f32[] add(%x, %y)
}

ENTRY %main.1 (param: f32[8,64]) -> (f32[64], f32[]) {
  %all-reduce = f32[8,64]{1,0} all-reduce(%p), channel_id=1, replica_groups={{0,1},{2,3},{4,5},{6,7}}, use_global_device_ids=true, to_apply=%add.clone
  %all-reduce.5 = (f32[64]{0}, f32[64,32]{1,0}, f32[]) all-reduce(%a, %b, %c), channel_id=2, replica_groups=[2,4]<=[4,2]T(1,0), use_global_device_ids=true, to_apply=%add.clone
  %all-gather-start = (f32[2,64]{1,0}, f32[8,64]{1,0}) all-gather-start(%q), channel_id=3, replica_groups=[2,4]<=[4,2]T(1,0), dimensions={0}, use_global_device_ids=true
  %all-gather-done = f32[8,64]{1,0} all-gather-done(%all-gather-start)
  %reduce-scatter = bf16[4,64]{1,0} reduce-scatter(%r), channel_id=4, replica_groups=mesh['axis_0'=4,'axis_1'=2] {'axis_1'}, dimensions={0}, to_apply=%add.clone
  %all-to-all = f32[4,16]{1,0} all-to-all(%s), channel_id=5, replica_groups={{0,2,4,6},{1,3,5,7}}, dimensions={1}
  %collective-permute = f32[16]{0} collective-permute(%t), channel_id=6, source_target_pairs={{0,2},{2,4},{4,6},{6,0},{1,3},{3,5},{5,7},{7,1}}
  ROOT %tuple = (f32[64]{0}, f32[]) tuple(%x, %y)
}
"""


def test_collectives_from_hlo():
    cols = collectives_from_hlo(HLO, 8)
    assert [(c.kind, c.asynchronous) for c in cols] == [
        ("all-reduce", False),
        ("all-reduce", False),
        ("all-gather", True),
        ("reduce-scatter", False),
        ("all-to-all", False),
        ("collective-permute", False),
    ]
    ar, combined, ag, rs, a2a, cp = cols
    assert ar.shapes == [(8, 64)] and ar.channel_id == 1 and ar.computation == "main.1"
    assert combined.shapes == [(64,), (64, 32), ()] and combined.dtypes == ["f32"] * 3
    assert combined.groups == [[0, 2, 4, 6], [1, 3, 5, 7]]
    assert ag.shapes == [(8, 64)] and ag.dimensions == [0]  # the gathered result, not the operand
    assert rs.dtypes == ["bf16"] and rs.groups == [[0, 1], [2, 3], [4, 5], [6, 7]]
    assert a2a.dimensions == [1]
    assert cp.pairs is not None and (7, 1) in cp.pairs
    names, sizes = MESH
    assert axes_of_groups(combined.groups, names, sizes) == ("data",)
    assert axes_of_groups(rs.groups, names, sizes) == ("model",)
    assert axes_of_pairs(cp.pairs, names, sizes) == ("data",)


def test_collective_without_groups_is_an_error():
    with pytest.raises(HloParseError, match="without replica_groups"):
        collectives_from_hlo("  %ar = f32[4] all-reduce(%x), to_apply=%add\n")
