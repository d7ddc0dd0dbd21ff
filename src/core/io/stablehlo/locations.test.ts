import { describe, expect, it } from 'vitest';
import { importStableHlo } from './import.ts';
import { placeOfNameStack } from './locations.ts';

describe('JAX name stacks → scope and phase', () => {
  it.each([
    ['jit(step)/jvp(layers_0)/attn/dot_general', 'layers_0/attn', 'forward'],
    [
      'jit(step)/transpose(jvp(layers_0))/attn/bqhd,bkhd->bqhd/dot_general',
      'layers_0/attn',
      'backward',
    ],
    ['jit(step)/transpose(jvp())/mul', '', 'backward'],
    ['jit(step)/jvp(moe)/experts/jit(relu)', 'moe/experts', 'forward'],
    ['jit(step)/mul', '', undefined],
    ['max', '', undefined],
    ['jit(f)/vmap(blocks)/mlp/add', 'blocks/mlp', undefined],
  ])('%s → %s (%s)', (stack, scope, phase) => {
    expect(placeOfNameStack(stack)).toEqual({ scope, phase });
  });
});

describe('locations in the text', () => {
  it('resolves aliases defined after the module, callsites, fused and named locations with children', () => {
    const text = [
      '#loc1 = loc("x")',
      'module @m {',
      '  func.func public @main(%arg0: tensor<4xf32> loc(#loc1)) -> tensor<4xf32> {',
      '    %0 = stablehlo.negate %arg0 : tensor<4xf32> loc(#loc5)',
      '    %1 = stablehlo.abs %0 : tensor<4xf32> loc(callsite(#loc6 at #loc3))',
      '    %2 = stablehlo.sine %1 : tensor<4xf32> loc(fused[#loc3, "jit(f)/jvp(head)/sin"])',
      '    %3 = stablehlo.cosine %2 : tensor<4xf32> loc("neg:"(#loc3))',
      '    return %3 : tensor<4xf32> loc(unknown)',
      '  } loc(#loc)',
      '} loc(#loc)',
      '#loc = loc(unknown)',
      '#loc3 = loc("f.py":3:20 to :36)',
      '#loc4 = loc("f"(#loc3))',
      '#loc5 = loc("jit(f)/jvp(enc)/layer/neg"(#loc4))',
      '#loc6 = loc("jit(f)/transpose(jvp(dec))/abs"(#loc4))',
    ].join('\n');
    const { program } = importStableHlo(text);
    expect(program.main.ops.map((o) => [o.kind, o.scope, o.phase])).toEqual([
      ['negate', 'enc/layer', 'forward'],
      ['abs', 'dec', 'backward'],
      ['sine', 'head', 'forward'],
      // a primitive wrapper over Python frames says nothing: the phase after backward is the optimizer's
      ['cosine', '', 'optimizer'],
    ]);
    expect(program.values[program.main.params[0]].name).toBe('x');
  });

  it('an alias cycle in bad input resolves to nothing instead of hanging', () => {
    const text = [
      'module @m {',
      '  func.func public @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {',
      '    %0 = stablehlo.negate %arg0 : tensor<4xf32> loc(#loc1)',
      '    return %0 : tensor<4xf32>',
      '  }',
      '}',
      '#loc1 = loc(callsite(#loc2 at #loc2))',
      '#loc2 = loc(fused[#loc1])',
    ].join('\n');
    expect(importStableHlo(text).program.main.ops[0].scope).toBe('');
  });
});
