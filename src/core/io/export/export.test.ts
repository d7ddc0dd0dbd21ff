import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/interpreter.ts';
import { programStats } from '../../ir/stats.ts';
import { parseMesh } from '../../mesh/mesh.ts';
import { buildModel, parseModelSpec } from '../../models/index.ts';
import { sampleInputs } from '../../spmd/equivalence.ts';
import { partitionProgram } from '../../spmd/partition.ts';
import { parseSchedule } from '../../tactics/schedule.ts';
import { readAnnotations } from '../sharding/annotations.ts';
import { fixtureText } from '../stablehlo/fixtures.test-util.ts';
import { importStableHlo } from '../stablehlo/import.ts';
import { strategyToJax } from './jax.ts';
import { programToStableHlo } from './stablehlo.ts';
import { strategyJson } from './strategy.ts';

const TINY_GPT = 'gpt:layers=2,d_model=32,heads=4,ffn=64,seq=8,vocab=50,batch=4';

function strategyFor(
  program: ReturnType<typeof buildModel>,
  meshText: string,
  scheduleText: string,
) {
  const mesh = parseMesh(meshText);
  const schedule = parseSchedule(scheduleText);
  const { schedule: result } = partitionProgram(program, mesh, schedule);
  return strategyJson(result, mesh, schedule);
}

describe('strategy JSON', () => {
  it('an imported MLP under BP+MP: specs per input by JAX path, in flattened order, partial outputs flagged', () => {
    const { program } = importStableHlo(fixtureText('mlp_train'));
    const s = strategyFor(program, 'data=2,model=2', 'BP(data),MP(model)');
    expect(s.version).toBe(1);
    expect(s.mesh).toEqual({
      axes: [
        { name: 'data', size: 2 },
        { name: 'model', size: 2 },
      ],
    });
    expect(s.inputs.map((i) => [i.index, i.name, i.spec])).toEqual([
      [0, "params['mlp']['bi']", [['model']]],
      [1, "params['mlp']['wi']", [[], ['model']]],
      [2, "params['mlp']['wo']", [['model'], []]],
      [3, 'x', [['data'], []]],
      [4, 'y', [['data'], []]],
    ]);
    expect(s.outputs.map((o) => o.name)).toEqual([
      "result[0]['mlp']['bi']",
      "result[0]['mlp']['wi']",
      "result[0]['mlp']['wo']",
      'result[1]',
    ]);
    expect(s.constraints).toEqual([]);
    expect(s.schedule).toBe('BP(data),MP(model)');
  });

  it('a tile tactic on an intermediate becomes a constraint with its op id', () => {
    const { program } = importStableHlo(fixtureText('mlp_sdy'));
    const s = strategyFor(program, 'data=4,model=2', 'tile("^sharding_constraint_0$", 0, data)');
    expect(s.constraints.map((c) => [c.name, c.spec, c.shape])).toEqual([
      ['sharding_constraint_0', [['data'], []], [4, 16]],
    ]);
    expect(typeof s.constraints[0].op).toBe('number');
  });

  it('the JAX snippet builds the mesh and a PartitionSpec per pytree path', () => {
    const { program } = importStableHlo(fixtureText('mlp_train'));
    const py = strategyToJax(
      strategyFor(program, 'data=2,model=2', 'BP(data),MP(model)'),
      program.name,
    );
    expect(py).toContain('mesh = jax.make_mesh((2, 2), ("data", "model"))');
    expect(py).toContain(`    "params['mlp']['wi']": P(None, "model"),  # [8, 16]`);
    expect(py).toContain('    "x": P("data", None),  # [4, 8]');
    expect(py).toContain('def constrain(x, name):');
  });
});

describe('StableHLO export', () => {
  it('round trip: export then import gives the same program statistics and the same numbers', () => {
    const p = buildModel(parseModelSpec(TINY_GPT));
    const q = importStableHlo(programToStableHlo(p)).program;
    const a = programStats(p);
    const b = programStats(q);
    expect([b.params, b.flops, b.ops, b.bytes]).toEqual([a.params, a.flops, a.ops, a.bytes]);
    const inputs = sampleInputs(p, 3);
    const want = evaluate(p, inputs);
    const got = evaluate(q, inputs);
    got.forEach((t, k) => t.data.forEach((x, j) => expect(x).toBeCloseTo(want[k].data[j], 4)));
    expect(q.main.params.map((id) => q.values[id].name)).toEqual(
      p.main.params.map((id) => p.values[id].name),
    );
  });

  it('round trip of the shardings: the Shardy annotations import as the strategy they came from', () => {
    const p = buildModel(parseModelSpec(TINY_GPT));
    const s = strategyFor(p, 'data=2,model=2', 'BP(data),MP(model)');
    const text = programToStableHlo(p, { strategy: s });
    expect(text).toContain('sdy.mesh @mesh = <["data"=2, "model"=2]>');
    const back = importStableHlo(text);
    const found = readAnnotations(back.program, back.report);
    const inputs = found.shardings.filter((f) => f.target === 'input');
    expect(inputs.map((f) => f.spec)).toEqual(s.inputs.map((i) => i.spec));
  });

  it('an op the importer kept opaque prints back as itself when it has no attributes', () => {
    const text = [
      'module @m {',
      '  func.func public @main(%arg0: tensor<4xi32> loc("x")) -> tensor<4xi32> {',
      '    %0 = stablehlo.shift_left %arg0, %arg0 : tensor<4xi32>',
      '    %1 = chlo.lgamma %arg0 : tensor<4xi32> -> tensor<4xi32>',
      '    %2 = stablehlo.add %0, %1 : tensor<4xi32>',
      '    return %2 : tensor<4xi32>',
      '  }',
      '}',
    ].join('\n');
    const out = programToStableHlo(importStableHlo(text).program);
    expect(out).toContain(
      '= "stablehlo.shift_left"(%arg0, %arg0) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>',
    );
    // with attributes or from another dialect it stays a custom call to the op's name
    expect(out).toContain(
      '= stablehlo.custom_call @chlo.lgamma(%arg0) : (tensor<4xi32>) -> tensor<4xi32>',
    );
    expect(importStableHlo(out).report.opaque.map((o) => o.name)).toEqual([
      'stablehlo.shift_left',
      'custom_call @chlo.lgamma',
    ]);
  });

  it('GSPMD strings read back against the mesh as the same specs', () => {
    const p = buildModel(parseModelSpec(TINY_GPT));
    const s = strategyFor(p, 'data=2,model=2', 'BP(data),MP(model)');
    const back = importStableHlo(programToStableHlo(p, { strategy: s, gspmd: true }));
    const gspmdOnly = { ...back.report, annotations: back.report.annotations.map((a) => a) };
    const found = readAnnotations(back.program, gspmdOnly, s.mesh);
    expect(found.shardings.filter((f) => f.target === 'input').map((f) => f.spec)).toEqual(
      s.inputs.map((i) => i.spec),
    );
  });
});
