import { describe, expect, it } from 'vitest';
import { ProgramBuilder } from '../ir/builder.ts';
import { parseMesh } from '../mesh/mesh.ts';
import { parseSchedule } from '../tactics/schedule.ts';
import { opaqueOpsJson, partitionProgram } from './partition.ts';

describe('opaque ops', () => {
  it('run replicated: their sharded operands are gathered, and they are reported', () => {
    const b = new ProgramBuilder('opaque');
    const x = b.input('x', [8, 4], 'f32', 'data');
    const y = b.scope('kernel', () =>
      b.op1('custom_call', [b.tanh(x)], {
        callTarget: 'my_fused_kernel',
        resultTypes: [{ shape: [8, 4], dtype: 'f32' }],
      }),
    );
    b.output('loss', b.sum(y, [0, 1]));
    const p = b.build();
    const { spmd } = partitionProgram(p, parseMesh('data=4'), parseSchedule('BP(data)'));
    const gathers = spmd.collectives.filter((c) => c.kind === 'all-gather');
    expect(gathers).toHaveLength(1);
    expect(gathers[0].reason).toMatch(/operand 0 of custom_call/);
    const opaque = opaqueOpsJson(p);
    expect(opaque).toHaveLength(1);
    expect(opaque[0]).toMatchObject({
      kind: 'custom_call',
      scope: 'kernel',
      target: 'my_fused_kernel',
    });
    expect(opaque[0].message).toMatch(/has no sharding rule: it runs replicated/);
  });
});
