"""The normalisation rules of shardlab_jax.compare, one case each, on hand-made entries."""

from shardlab_jax.compare import Entry, compare, shardlab_entries, xla_entries
from shardlab_jax.hlo import collectives_from_hlo

NAMES, SIZES = ["data", "model"], [4, 2]


def ar(axes, shape, dtype="f32"):
    return Entry("all-reduce", tuple(axes), tuple(shape), dtype)


def test_combined_all_reduce_splits_into_operands():
    hlo = "  %ar = (f32[64]{0}, f32[]) all-reduce(%a, %b), channel_id=1, replica_groups=[2,4]<=[4,2]T(1,0), use_global_device_ids=true\n"
    entries, unmapped = xla_entries(collectives_from_hlo(hlo, 8), NAMES, SIZES)
    assert entries == [ar(["data"], [64]), ar(["data"], [])] and not unmapped
    result = compare(entries, [ar(["data"], []), ar(["data"], [64])])
    assert result.matches and len(result.exact) == 2


def test_all_reduce_axes_compare_as_a_set():
    sl = shardlab_entries([{"kind": "all-reduce", "axes": ["model", "data"], "shape": [4], "dtype": "f32"}], NAMES)
    assert sl == [ar(["data", "model"], [4])]


def test_all_reduce_moved_across_a_transpose_matches():
    result = compare([ar(["data"], [10, 16])], [ar(["data"], [16, 10])])
    assert result.matches and not result.exact and len(result.moved) == 1


def test_different_axes_do_not_match():
    result = compare([ar(["data"], [16])], [ar(["model"], [16])])
    assert not result.matches
    assert sorted(d.side for d in result.differences) == ["shardlab", "xla"]
    assert all(d.category == "other" for d in result.differences)


def test_all_reduce_then_slice_is_classified():
    rs = Entry("reduce-scatter", ("data",), (16,), "f32")
    result = compare([ar(["data"], [64])], [rs], axis_sizes={"data": 4})
    assert [d.category for d in result.differences] == ["ar-slice"]
    # a quarter of the value on a 4-device axis; an eighth is some other reduction
    other = compare([ar(["data"], [128])], [rs], axis_sizes={"data": 4})
    assert sorted(d.category for d in other.differences) == ["other", "other"]


def test_unmapped_groups_are_reported():
    hlo = "  %ar = f32[4]{0} all-reduce(%a), channel_id=1, replica_groups={{0,3},{1,2},{4,7},{5,6}}\n"
    entries, unmapped = xla_entries(collectives_from_hlo(hlo, 8), NAMES, SIZES)
    assert not entries and len(unmapped) == 1
    assert [d.category for d in compare(entries, [], unmapped).differences] == ["unmapped"]


def test_a_sum_reduced_term_by_term_matches():
    # XLA reduces two contributions of [64, 32] separately, shardlab their sum once
    result = compare([ar(["data"], [64, 32]), ar(["data"], [64, 32])], [ar(["data"], [64, 32])])
    assert result.matches and result.split == [("xla", ar(["data"], [64, 32]))]


def test_a_repeated_gather_is_classified():
    ag = Entry("all-gather", ("data",), (32, 32), "f32")
    result = compare([ag], [ag, ag])
    assert [d.category for d in result.differences] == ["repeat"]


def test_tuple_all_to_all_is_one_collective():
    # 4 blocks of [1,4,16], block i to the i-th device of the data group: one [4,4,16] all-to-all
    hlo = "  %a2a = (f32[1,4,16]{2,1,0}, f32[1,4,16]{2,1,0}, f32[1,4,16]{2,1,0}, f32[1,4,16]{2,1,0}) all-to-all(%a, %b, %c, %d), channel_id=1, replica_groups={{0,2,4,6},{1,3,5,7}}\n"
    entries, _ = xla_entries(collectives_from_hlo(hlo, 8), NAMES, SIZES)
    assert entries == [Entry("all-to-all", ("data",), (4, 4, 16), "f32")]


def test_slice_before_reduce_is_classified():
    result = compare([ar(["data"], [128, 64])], [ar(["data"], [64, 64])])
    assert [d.category for d in result.differences] == ["slice-first"]
