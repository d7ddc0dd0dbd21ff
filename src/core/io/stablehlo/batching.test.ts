import { describe, expect, it } from 'vitest';
import { hostTensor } from '../../ir/host-tensor.ts';
import { evaluate } from '../../ir/interpreter.ts';
import { parseMesh } from '../../mesh/mesh.ts';
import { partitionProgram } from '../../spmd/partition.ts';
import { parseSchedule } from '../../tactics/schedule.ts';
import { importStableHlo } from './import.ts';

// take_along_axis along axis 0 of a [3, 4] array with [2, 4] indices, and its transpose (a
// scatter-add), as JAX 0.10.2 prints them (batching dim 1, the index vector dim trailing)
const MODULE = `module @jit_f {
  func.func public @main(%arg0: tensor<3x4xf32>, %arg1: tensor<2x4x1xi32>, %arg2: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<3x4xf32>) {
    %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<collapsed_slice_dims = [0], operand_batching_dims = [1], start_indices_batching_dims = [1], start_index_map = [0], index_vector_dim = 2>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1>}> : (tensor<3x4xf32>, tensor<2x4x1xi32>) -> tensor<2x4xf32>
    %1 = "stablehlo.scatter"(%arg0, %arg1, %arg2) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<inserted_window_dims = [0], input_batching_dims = [1], scatter_indices_batching_dims = [1], scatter_dims_to_operand_dims = [0], index_vector_dim = 2>, unique_indices = false}> ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = stablehlo.add %a, %b : tensor<f32>
      stablehlo.return %s : tensor<f32>
    }) : (tensor<3x4xf32>, tensor<2x4x1xi32>, tensor<2x4xf32>) -> tensor<3x4xf32>
    return %0, %1 : tensor<2x4xf32>, tensor<3x4xf32>
  }
}`;

describe('take_along_axis and its transpose come in as one-hot selects', () => {
  it('compute what the gather and the scatter-add compute (checked by loops)', () => {
    const { program } = importStableHlo(MODULE);
    const kinds = program.main.ops.map((o) => o.kind);
    expect(kinds).not.toContain('gather');
    expect(kinds).not.toContain('scatter');
    const arr = Array.from({ length: 12 }, (_, i) => i * 1.5 - 4); // arr[v][j] = arr[4v + j]
    const idx = [2, 0, 1, 1, 0, 0, 2, 1]; // idx[k][j] = idx[4k + j], k < 2
    const upd = [1, 2, 3, 4, 5, 6, 7, 8];
    const [taken, put] = evaluate(program, [
      hostTensor([3, 4], 'f32', arr),
      hostTensor([2, 4, 1], 'i32', idx),
      hostTensor([2, 4], 'f32', upd),
    ]);
    const wantTaken = idx.map((v, n) => arr[4 * v + (n % 4)]);
    const wantPut = arr.slice();
    idx.forEach((v, n) => (wantPut[4 * v + (n % 4)] += upd[n]));
    expect(Array.from(taken.data)).toEqual(wantTaken);
    expect(Array.from(put.data)).toEqual(wantPut);
  });

  it('keep the batching dim sharded: no collective under a split of it', () => {
    const { program } = importStableHlo(MODULE);
    const mesh = parseMesh('data=2');
    // split the batching dim (1) of the array and of the indices; the results follow
    const { spmd } = partitionProgram(
      program,
      mesh,
      parseSchedule('tile("^arg0$|^arg1$|^arg2$", 1, data)'),
    );
    expect(spmd.collectives.filter((c) => c.kind !== 'slice')).toEqual([]);
    const local = spmd.program.outputs.map((o) => spmd.program.values[o.value].type.shape);
    expect(local).toEqual([
      [2, 2],
      [3, 2],
    ]);
  });
});
