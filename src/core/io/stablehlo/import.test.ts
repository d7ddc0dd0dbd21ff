import { describe, expect, it } from 'vitest';
import { hostTensor } from '../../ir/host-tensor.ts';
import { evaluate } from '../../ir/interpreter.ts';
import { forEachOpDeep, type Op, type Program } from '../../ir/program.ts';
import { opFlops, programStats } from '../../ir/stats.ts';
import { verifyProgram } from '../../ir/verifier.ts';
import { readAnnotations } from '../sharding/annotations.ts';
import { StableHloParseError } from './errors.ts';
import { FIXTURES, fixtureRun, fixtureText } from './fixtures.test-util.ts';
import { importStableHlo } from './import.ts';

function ops(p: Program): Op[] {
  const out: Op[] = [];
  forEachOpDeep(p.main.ops, (op) => out.push(op));
  return out;
}

function importFixture(name: string) {
  return importStableHlo(fixtureText(name));
}

describe('importStableHlo on programs printed by JAX', () => {
  it.each(FIXTURES)(
    '%s: the imported program passes the verifier and computes what JAX computed',
    (name) => {
      const { program, report } = importFixture(name);
      expect(verifyProgram(program)).toEqual([]);
      expect(report.opaque).toEqual([]);
      const run = fixtureRun(name);
      const inputs = program.main.params.map((id, i) => {
        const t = program.values[id].type;
        expect(t.shape).toEqual(run.inputs[i].shape);
        return hostTensor(t.shape, t.dtype, run.inputs[i].data);
      });
      const outs = evaluate(program, inputs);
      expect(outs.length).toBe(run.outputs.length);
      outs.forEach((o, k) => {
        const want = run.outputs[k].data;
        o.data.forEach((x, j) =>
          expect(Math.abs(x - want[j])).toBeLessThan(1e-4 + 1e-4 * Math.abs(want[j])),
        );
      });
    },
  );

  it('MLP training step: parameters, matmuls and the donated outputs in closed form', () => {
    const { program, report } = importFixture('mlp_train');
    const stats = programStats(program);
    // wi [8,16], bi [16], wo [16,8]
    expect(stats.params).toBe(8 * 16 + 16 + 16 * 8);
    // batch 4: two forward matmuls, three backward (dwo, dh, dwi): 2·4·8·16 FLOPs each
    expect(ops(program).filter((o) => o.kind === 'dot_general').length).toBe(5);
    expect(stats.matmulFlops).toBe(5 * 2 * 4 * 8 * 16);
    expect(report.training).toBe(true);
    expect(report.inputs.map((i) => [i.name, i.role])).toEqual([
      ['params/mlp/bi', 'param'],
      ['params/mlp/wi', 'param'],
      ['params/mlp/wo', 'param'],
      ['x', 'data'],
      ['y', 'data'],
    ]);
    expect(program.outputs.map((o) => [o.name, o.aliases])).toEqual([
      ['result/0/mlp/bi', 0],
      ['result/0/mlp/wi', 1],
      ['result/0/mlp/wo', 2],
      ['result/1', undefined],
    ]);
  });

  it('transformer with Adam: parameter count, roles, scopes and phases from the locations', () => {
    const { program, report } = importFixture('transformer_adam');
    // V=8, D=8, FF=8, one layer: tied embedding + 4 attention + 2 MLP matrices + 2 norms
    expect(programStats(program).params).toBe(8 * 8 + 4 * 8 * 8 + 2 * 8 * 8 + 2 * 8);
    const roles = new Map(report.inputs.map((i) => [i.path, i.role]));
    expect(roles.get("params['layers_0']['attn']['wq']")).toBe('param');
    expect(roles.get("opt_state['mu']['embed']")).toBe('optState');
    expect(roles.get("opt_state['count']")).toBe('optState');
    expect(report.inputs.filter((i) => i.role === 'data').map((i) => i.name)).toEqual([
      'tok',
      'labels',
    ]);
    const all = ops(program);
    const scopes = new Set(all.map((o) => o.scope));
    expect(scopes).toContain('layers_0/attn');
    expect(scopes).toContain('layers_0/mlp');
    const dotPhases = new Set(all.filter((o) => o.kind === 'dot_general').map((o) => o.phase));
    expect([...dotPhases].sort()).toEqual(['backward', 'forward']);
    expect(all.some((o) => o.phase === 'optimizer' && o.kind === 'sqrt')).toBe(true);
    // forward matmul FLOPs by hand (B=2, S=4, D=8, H=2, FF=8, V=8): Q, K, V, O projections
    // 4·2BSD², scores and A·V 2·2BHS²(D/H), MLP 2·2BSD·FF, tied logits 2BSDV
    const types = (id: number) => program.values[id].type;
    const forwardDots = all.filter((o) => o.kind === 'dot_general' && o.phase === 'forward');
    const B = 2,
      S = 4,
      D = 8,
      H = 2,
      FF = 8,
      V = 8;
    expect(forwardDots.reduce((n, o) => n + opFlops(o, types), 0)).toBe(
      4 * 2 * B * S * D * D +
        2 * 2 * B * H * S * S * (D / H) +
        2 * 2 * B * S * D * FF +
        2 * B * S * D * V,
    );
    // the embedding lookup and its transpose; take_along_axis (a batched gather) and its
    // transpose come in as one-hot selects summed over the vocabulary (batching.ts)
    expect(all.filter((o) => o.kind === 'gather').length).toBe(1);
    expect(all.filter((o) => o.kind === 'scatter').length).toBe(1);
    const oneHots = all.filter(
      (o) =>
        o.kind === 'compare' &&
        (o.attrs as { direction: string }).direction === 'EQ' &&
        o.operands.some((v) => all.find((p) => p.results.includes(v))?.kind === 'iota'),
    );
    expect(oneHots.length).toBe(2);
    expect(report.outputs.filter((o) => o.aliases !== undefined).length).toBe(
      report.inputs.length - 2,
    );
  });

  it('scan over layers: the while loop gets its trip count from the counter pattern', () => {
    const { program, report } = importFixture('scan_layers');
    const loops = ops(program).filter((o) => o.kind === 'while');
    expect(loops.map((o) => (o.attrs as { tripCount: number }).tripCount)).toEqual([3]);
    expect(report.whileTripCountsAssumed).toEqual([]);
    // three iterations of a [2,8]x[8,8] matmul
    expect(programStats(program).matmulFlops).toBe(3 * 2 * 2 * 8 * 8);
  });

  it('CNN: convolutions with their dimension numbers and windows, forward and backward', () => {
    const { program } = importFixture('cnn_train');
    expect(programStats(program).params).toBe(3 * 3 * 2 * 4 + 4 + 3 * 3 * 4 * 4 + 4 * 3);
    expect(ops(program).filter((o) => o.kind === 'convolution').length).toBe(5);
    // forward: conv1 (SAME, 6×6 out, 3×3×2 window, 4 features) and conv2 (stride 2: 3×3 out,
    // 3×3×4 window, 4 features), batch 2, two FLOPs per multiply-add
    const types = (id: number) => program.values[id].type;
    const fwd = ops(program).filter((o) => o.kind === 'convolution' && o.phase === 'forward');
    expect(fwd.map((o) => opFlops(o, types))).toEqual([
      2 * (2 * 6 * 6 * 4) * 9 * 2,
      2 * (2 * 3 * 3 * 4) * 9 * 4,
    ]);
  });

  it('MoE: the expert einsums keep the experts scope (what EP selects)', () => {
    const { program } = importFixture('moe_train');
    const experts = ops(program).filter(
      (o) => o.scope === 'moe/experts' && o.kind === 'dot_general',
    );
    // forward: the expert FFN's two einsums; backward: dwo, dh and dwi (x is data: no dx)
    expect(experts.length).toBe(5);
  });

  it('a with_sharding_constraint is an identity that names the pinned value', () => {
    const { program, report } = importFixture('mlp_sdy');
    expect(report.annotations.map((a) => [a.target, a.dialect])).toEqual([
      ['input', 'sdy'],
      ['input', 'sdy'],
      ['input', 'sdy'],
      ['input', 'sdy'],
      ['input', 'sdy'],
      ['constraint', 'sdy'],
    ]);
    const pinned = report.annotations[5];
    expect(program.values[pinned.value].name).toBe('sharding_constraint_0');
    expect(ops(program).some((o) => o.kind === 'custom_call')).toBe(false);
  });
});

/** Ops JAX prints in less common forms; the text parses and verifies with JAX 0.10.2's MLIR. */
const SYNTAX_ZOO = `#loc1 = loc("x")
module @jit_zoo attributes {mhlo.num_partitions = 1 : i32} {
  func.func public @main(%arg0: tensor<4x8xf32> loc(#loc1), %arg1: tensor<i32> loc("i")) -> (tensor<4x8xf32>, tensor<4xi32>, tensor<4x8xf32>, tensor<4x8xf32>) {
    %v, %i = chlo.top_k(%arg0, k = 2) : tensor<4x8xf32> -> (tensor<4x2xf32>, tensor<4x2xi32>) loc(#loc2)
    %c = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c_0 = stablehlo.constant dense<0> : tensor<i32>
    %iota = stablehlo.iota dim = 1 : tensor<4x8xi32>
    %0:2 = stablehlo.reduce(%arg0 init: %c), (%iota init: %c_0) across dimensions = [1] : (tensor<4x8xf32>, tensor<4x8xi32>, tensor<f32>, tensor<i32>) -> (tensor<4xf32>, tensor<4xi32>)
     reducer(%a: tensor<f32>, %b: tensor<f32>) (%ai: tensor<i32>, %bi: tensor<i32>) {
      %g = stablehlo.compare GT, %a, %b, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %m = stablehlo.select %g, %a, %b : tensor<i1>, tensor<f32>
      %n = stablehlo.select %g, %ai, %bi : tensor<i1>, tensor<i32>
      stablehlo.return %m, %n : tensor<f32>, tensor<i32>
    }
    %1 = stablehlo.reduce_precision %arg0, format = e8m10 : tensor<4x8xf32>
    %2:2 = stablehlo.optimization_barrier %1, %arg0 : tensor<4x8xf32>, tensor<4x8xf32>
    %pid = stablehlo.partition_id : tensor<ui32>
    %3 = "stablehlo.case"(%arg1) ({
      %n1 = stablehlo.negate %2#0 : tensor<4x8xf32>
      stablehlo.return %n1 : tensor<4x8xf32>
    }, {
      stablehlo.return %2#1 : tensor<4x8xf32>
    }) : (tensor<i32>) -> tensor<4x8xf32>
    %4 = "stablehlo.sort"(%3) <{dimension = 1 : i64, is_stable = true}> ({
    ^bb0(%p: tensor<f32>, %q: tensor<f32>):
      %lt = stablehlo.compare LT, %p, %q, TOTALORDER : (tensor<f32>, tensor<f32>) -> tensor<i1>
      stablehlo.return %lt : tensor<i1>
    }) : (tensor<4x8xf32>) -> tensor<4x8xf32>
    %5 = stablehlo.bitcast_convert %4 : (tensor<4x8xf32>) -> tensor<4x8xi32>
    %cst_t = stablehlo.constant dense<1.0> : tensor<8x8xf32>
    %6 = stablehlo.dot %arg0, %cst_t : (tensor<4x8xf32>, tensor<8x8xf32>) -> tensor<4x8xf32>
    return %3, %0#1, %4, %6 : tensor<4x8xf32>, tensor<4xi32>, tensor<4x8xf32>, tensor<4x8xf32>
  }
}
#loc2 = loc("jit(zoo)/top_k"(#loc1))
`;

/** `jax.jit(lambda x: (jnp.argmax(x, 1), jnp.argmin(x, 0))).lower(f32[3,4]).as_text()`, JAX 0.10.2. */
const ARGMAX = `module @jit_f attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<3x4xf32>) -> (tensor<3xi32> {jax.result_info = "result[0]"}, tensor<4xi32> {jax.result_info = "result[1]"}) {
    %0 = call @argmax(%arg0) : (tensor<3x4xf32>) -> tensor<3xi32>
    %1 = call @argmin(%arg0) : (tensor<3x4xf32>) -> tensor<4xi32>
    return %0, %1 : tensor<3xi32>, tensor<4xi32>
  }
  func.func private @argmax(%arg0: tensor<3x4xf32>) -> tensor<3xi32> {
    %0 = stablehlo.iota dim = 1 : tensor<3x4xi32>
    %cst = stablehlo.constant dense<0xFF800000> : tensor<f32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %1:2 = stablehlo.reduce(%arg0 init: %cst), (%0 init: %c) across dimensions = [1] : (tensor<3x4xf32>, tensor<3x4xi32>, tensor<f32>, tensor<i32>) -> (tensor<3xf32>, tensor<3xi32>)
     reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {
      %2 = stablehlo.compare GT, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %3 = stablehlo.compare NE, %arg1, %arg1, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %4 = stablehlo.or %2, %3 : tensor<i1>
      %5 = stablehlo.compare EQ, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %6 = stablehlo.compare LT, %arg2, %arg4, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %7 = stablehlo.and %5, %6 : tensor<i1>
      %8 = stablehlo.or %4, %7 : tensor<i1>
      %9 = stablehlo.select %4, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %10 = stablehlo.select %8, %arg2, %arg4 : tensor<i1>, tensor<i32>
      stablehlo.return %9, %10 : tensor<f32>, tensor<i32>
    }
    return %1#1 : tensor<3xi32>
  }
  func.func private @argmin(%arg0: tensor<3x4xf32>) -> tensor<4xi32> {
    %0 = stablehlo.iota dim = 0 : tensor<3x4xi32>
    %cst = stablehlo.constant dense<0x7F800000> : tensor<f32>
    %c = stablehlo.constant dense<0> : tensor<i32>
    %1:2 = stablehlo.reduce(%arg0 init: %cst), (%0 init: %c) across dimensions = [0] : (tensor<3x4xf32>, tensor<3x4xi32>, tensor<f32>, tensor<i32>) -> (tensor<4xf32>, tensor<4xi32>)
     reducer(%arg1: tensor<f32>, %arg3: tensor<f32>) (%arg2: tensor<i32>, %arg4: tensor<i32>)  {
      %2 = stablehlo.compare LT, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %3 = stablehlo.compare NE, %arg1, %arg1, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %4 = stablehlo.or %2, %3 : tensor<i1>
      %5 = stablehlo.compare EQ, %arg1, %arg3, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>
      %6 = stablehlo.compare LT, %arg2, %arg4, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>
      %7 = stablehlo.and %5, %6 : tensor<i1>
      %8 = stablehlo.or %4, %7 : tensor<i1>
      %9 = stablehlo.select %4, %arg1, %arg3 : tensor<i1>, tensor<f32>
      %10 = stablehlo.select %8, %arg2, %arg4 : tensor<i1>, tensor<i32>
      stablehlo.return %9, %10 : tensor<f32>, tensor<i32>
    }
    return %1#1 : tensor<4xi32>
  }
}
`;

const HEADER =
  'module @m {\n  func.func public @main(%arg0: tensor<4xf32> loc("x")) -> tensor<4xf32> {\n';

function wrap(body: string): string {
  return `${HEADER}${body}\n  }\n}\n`;
}

function parseError(text: string): StableHloParseError {
  try {
    importStableHlo(text);
  } catch (e) {
    if (e instanceof StableHloParseError) return e;
    throw e;
  }
  throw new Error('expected a StableHloParseError');
}

describe('importStableHlo on ops it cannot map and on malformed text', () => {
  it('keeps chlo and unknown ops as opaque ops with their result types, and reports them', () => {
    const { program, report } = importStableHlo(
      wrap(
        [
          '    %0 = chlo.lgamma %arg0 : tensor<4xf32> -> tensor<4xf32>',
          '    %1 = "acme.frob"(%0) {k = 3 : i64} : (tensor<4xf32>) -> tensor<4xf32>',
          '    return %1 : tensor<4xf32>',
        ].join('\n'),
      ),
    );
    expect(report.opaque.map((o) => [o.name, o.line])).toEqual([
      ['chlo.lgamma', 3],
      ['acme.frob', 4],
    ]);
    const calls = ops(program).filter((o) => o.kind === 'custom_call');
    expect(calls.map((o) => (o.attrs as { callTarget: string }).callTarget)).toEqual([
      'chlo.lgamma',
      'acme.frob',
    ]);
  });

  it('a shard_map body (sdy.manual_computation, as JAX 0.10 prints it) is one opaque op', () => {
    const text = [
      'module @jit_f attributes {mhlo.num_partitions = 4 : i32, mhlo.num_replicas = 1 : i32} {',
      '  sdy.mesh @mesh = <["data"=4]> {stablehlo.mesh = {axes = [{name = "data", size = 4 : i64}]}}',
      '  func.func public @main(%arg0: tensor<8x4xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"data"}, {}]>}, %arg1: tensor<4x4xf32>) -> (tensor<2x4xf32> {jax.result_info = "result"}) {',
      '    %0 = sdy.manual_computation(%arg0, %arg1) in_shardings=[<@mesh, [{"data"}, {}]>, <@mesh, [{}, {}]>] out_shardings=[<@mesh, [{}, {}]>] manual_axes={"data"} (%arg2: tensor<2x4xf32>, %arg3: tensor<4x4xf32>) {',
      '      %1 = stablehlo.dot_general %arg2, %arg3, contracting_dims = [1] x [0] : (tensor<2x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>',
      '      %2 = "stablehlo.all_reduce"(%1) <{channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, replica_groups = dense<[[0, 1, 2, 3]]> : tensor<1x4xi64>, use_global_device_ids}> ({',
      '      ^bb0(%arg4: tensor<f32>, %arg5: tensor<f32>):',
      '        %3 = stablehlo.add %arg4, %arg5 : tensor<f32>',
      '        stablehlo.return %3 : tensor<f32>',
      '      }) : (tensor<2x4xf32>) -> tensor<2x4xf32>',
      '      sdy.return %2 : tensor<2x4xf32>',
      '    } : (tensor<8x4xf32>, tensor<4x4xf32>) -> tensor<2x4xf32>',
      '    return %0 : tensor<2x4xf32>',
      '  }',
      '}',
    ].join('\n');
    const { program, report } = importStableHlo(text);
    expect(report.opaque.map((o) => [o.name, o.line])).toEqual([['sdy.manual_computation', 4]]);
    expect(program.values[program.outputs[0].value].type.shape).toEqual([2, 4]);
    expect(report.meshes.get('mesh')?.axes).toEqual([{ name: 'data', size: 4 }]);
  });

  it('reads top_k, an argmax-shaped variadic reduce, case with captures, sort, legacy dot and more; opaque where the IR has no op', () => {
    const { program, report } = importStableHlo(SYNTAX_ZOO);
    expect(report.opaque.map((o) => [o.name, o.line])).toEqual([
      ['chlo.top_k', 4],
      ['stablehlo.reduce_precision', 15],
      ['stablehlo.partition_id', 17],
      ['stablehlo.bitcast_convert', 29],
    ]);
    const kinds = ops(program).map((o) => o.kind);
    for (const k of ['case', 'sort', 'dot_general'] as const) expect(kinds).toContain(k);
    // the case branches read %2#0 and %2#1 from outside: they become its operands
    const c = ops(program).find((o) => o.kind === 'case')!;
    expect(c.operands.length).toBe(3);
    expect(report.warnings).toEqual([
      'element type ui32 is held as i32 (byte counts of such values are approximate)',
    ]);
  });

  it('a while that reads an outer value carries it through the loop; LE with a carried bound counts right', () => {
    const text = wrap(
      [
        '    %w = stablehlo.constant dense<2.5> : tensor<4xf32>',
        '    %c0 = stablehlo.constant dense<1> : tensor<i32>',
        '    %n = stablehlo.constant dense<4> : tensor<i32>',
        '    %0:3 = stablehlo.while(%i = %c0, %acc = %arg0, %lim = %n) : tensor<i32>, tensor<4xf32>, tensor<i32>',
        '    cond {',
        '      %p = stablehlo.compare LE, %i, %lim, SIGNED : (tensor<i32>, tensor<i32>) -> tensor<i1>',
        '      stablehlo.return %p : tensor<i1>',
        '    } do {',
        '      %one = stablehlo.constant dense<1> : tensor<i32>',
        '      %next = stablehlo.add %i, %one : tensor<i32>',
        '      %a = stablehlo.add %acc, %w : tensor<4xf32>',
        '      stablehlo.return %next, %a, %lim : tensor<i32>, tensor<4xf32>, tensor<i32>',
        '    }',
        '    return %0#1 : tensor<4xf32>',
      ].join('\n'),
    );
    const { program, report } = importStableHlo(text);
    const loop = ops(program).find((o) => o.kind === 'while')!;
    // i = 1, 2, 3, 4: four trips; the captured %w is a fourth loop-carried value
    expect((loop.attrs as { tripCount: number }).tripCount).toBe(4);
    expect(loop.operands.length).toBe(4);
    expect(report.whileTripCountsAssumed).toEqual([]);
    const [out] = evaluate(program, [hostTensor([4], 'f32', [0, 1, 2, 3])]);
    expect([...out.data]).toEqual([10, 11, 12, 13]);
  });

  it('a loop whose count it cannot read is assumed to run once, and says so', () => {
    const text = wrap(
      [
        '    %0 = stablehlo.while(%x = %arg0) : tensor<4xf32>',
        '    cond {',
        '      %z = stablehlo.constant dense<0.0> : tensor<f32>',
        '      %s = stablehlo.reduce(%x init: %z) applies stablehlo.add across dimensions = [0] : (tensor<4xf32>, tensor<f32>) -> tensor<f32>',
        '      %p = stablehlo.compare LT, %s, %z, FLOAT : (tensor<f32>, tensor<f32>) -> tensor<i1>',
        '      stablehlo.return %p : tensor<i1>',
        '    } do {',
        '      %y = stablehlo.negate %x : tensor<4xf32>',
        '      stablehlo.return %y : tensor<4xf32>',
        '    }',
        '    return %0 : tensor<4xf32>',
      ].join('\n'),
    );
    const { report } = importStableHlo(text);
    expect(report.whileTripCountsAssumed).toEqual(['while at line 3']);
    expect(report.warnings).toEqual(['while at line 3: trip count not recognised; assumed 1']);
  });

  it('a batched gather (take_along_axis in JAX 0.10) becomes a gather over explicit batch indices', () => {
    const text = [
      'module @m {',
      '  func.func public @main(%arg0: tensor<2x3x4xf32>, %arg1: tensor<2x3x1x1xi32>) -> tensor<2x3x1xf32> {',
      '    %0 = "stablehlo.gather"(%arg0, %arg1) <{dimension_numbers = #stablehlo.gather<offset_dims = [2], operand_batching_dims = [0, 1], start_indices_batching_dims = [0, 1], start_index_map = [2], index_vector_dim = 3>, indices_are_sorted = false, slice_sizes = array<i64: 1, 1, 1>}> : (tensor<2x3x4xf32>, tensor<2x3x1x1xi32>) -> tensor<2x3x1xf32>',
      '    return %0 : tensor<2x3x1xf32>',
      '  }',
      '}',
    ].join('\n');
    const { program, report } = importStableHlo(text);
    expect(report.opaque).toEqual([]);
    const x = hostTensor([2, 3, 4], 'f32', [...Array(24).keys()]);
    const idx = hostTensor([2, 3, 1, 1], 'i32', [3, 0, 1, 2, 2, 0]);
    const [out] = evaluate(program, [x, idx]);
    // out[b, s] = x[b, s, idx[b, s]]
    expect([...out.data]).toEqual([3, 4, 9, 14, 18, 20]);
  });

  it("JAX's argmax and argmin (a reduce over values and an iota) give JAX's indices, ties to the first", () => {
    const { program, report } = importStableHlo(ARGMAX);
    expect(report.opaque).toEqual([]);
    const x = hostTensor([3, 4], 'f32', [1, 5, 5, 2, 7, 0, 7, -1, 3, 3, 3, 3]);
    const [amax, amin] = evaluate(program, [x]);
    // what JAX printed for the same input
    expect([...amax.data]).toEqual([1, 0, 0]);
    expect([...amin.data]).toEqual([0, 1, 2, 1]);
  });

  it('reads Shardy shardings that went through HLO as frontend-attribute strings', () => {
    // the form of tt-mlir's xla_sdy_to_sdy tests (research note §1.2); \22 is an escaped quote
    const text = [
      'module @m attributes {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\\22x\\22=2, \\22y\\22=4]>}"}} {',
      '  func.func @main(%arg0: tensor<8x16xf32> {mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding<@mesh, [{\\22y\\22}, {\\22x\\22}]>"}, mhlo.sharding = "{devices=[4,2]<=[2,4]T(1,0)}"}) -> tensor<8x16xf32> {',
      '    return %arg0 : tensor<8x16xf32>',
      '  }',
      '}',
    ].join('\n');
    const { program, report } = importStableHlo(text);
    expect(report.meshes.get('mesh')?.axes).toEqual([
      { name: 'x', size: 2 },
      { name: 'y', size: 4 },
    ]);
    const found = readAnnotations(program, report);
    expect(found.shardings.map((f) => [f.dialect, f.spec])).toEqual([['sdy', [['y'], ['x']]]]);
  });

  it('a missing type gives line, column and what was expected', () => {
    const e = parseError(
      wrap('    %0 = stablehlo.add %arg0, %arg0 :\n    return %0 : tensor<4xf32>'),
    );
    expect(e.line).toBe(4);
    expect(e.message).toBe(
      "StableHLO 4:5: unexpected 'return' (expected a type such as tensor<4x8xf32>)",
    );
  });

  it('a use of an undefined value names it', () => {
    const e = parseError(
      wrap('    %0 = stablehlo.add %arg0, %nope : tensor<4xf32>\n    return %0 : tensor<4xf32>'),
    );
    expect(e.message).toBe(
      'StableHLO 3:5: use of undefined value %nope (expected a value defined before its use)',
    );
  });

  it('types that do not agree are reported at the op, with the IR rule', () => {
    const e = parseError(
      wrap(
        '    %0 = stablehlo.reshape %arg0 : (tensor<4xf32>) -> tensor<3xf32>\n    return %0 : tensor<3xf32>',
      ),
    );
    expect(e.line).toBe(3);
    expect(e.reason).toMatch(/^stablehlo\.reshape: reshape: cannot reshape \[4\]/);
  });

  it('an unclosed module and text with no function are errors, not crashes', () => {
    expect(parseError('module @m {').reason).toBe('module body is not closed');
    expect(parseError('').reason).toBe('no function in the module');
  });
});
