import { ProgramBuilder } from '../ir/builder.ts';
import type { Program, Value } from '../ir/program.ts';

/**
 * A mixed-precision Adam training step built by hand (the zoo keeps f32 parameters and no master
 * copy): `count` bf16 parameter matrices [rows, cols], a one-matmul-per-parameter forward on a data
 * input x [batch, rows], each gradient a bf16 value tagged `of` its parameter, and an f32 update of
 * master weights, m and v (role optState) that writes them back and a new bf16 parameter, every
 * output aliasing (donating) its input. Per parameter element: 2 + 2 + 12 bytes.
 */
export function mixedPrecisionAdamStep(
  count: number,
  rows: number,
  cols: number,
  batch: number,
): Program {
  const b = new ProgramBuilder('mixed-precision-adam', { training: true });
  const x = b.input('x', [batch, rows], 'bf16', 'data');
  const ws: Value[] = [];
  for (let k = 0; k < count; k++) ws.push(b.param(`w${k}`, [rows, cols], 'bf16'));
  const masters = ws.map((w) => b.input(`opt/master/${w.name}`, [rows, cols], 'f32', 'optState'));
  const ms = ws.map((w) => b.input(`opt/m/${w.name}`, [rows, cols], 'f32', 'optState'));
  const vs = ws.map((w) => b.input(`opt/v/${w.name}`, [rows, cols], 'f32', 'optState'));
  const matmul = { lhsBatch: [], rhsBatch: [], lhsContract: [1], rhsContract: [0] };
  // forward: loss = Σ_k sum(x · w_k)
  let loss: Value | undefined;
  for (const w of ws) {
    const y = b.dotGeneral(x, w, matmul);
    const s = b.convert(b.sum(y, [0, 1]), 'f32');
    loss = loss ? b.add(loss, s) : s;
  }
  b.output('loss', loss!);
  // backward: d loss / d y_k = 1, so d loss / d w_k = xᵀ · 1
  const grads = b.withPhase('backward', () => {
    const ones = b.constant(1, [batch, cols], 'bf16');
    return ws.map((w) =>
      b.op1(
        'dot_general',
        [x, ones],
        { lhsBatch: [], rhsBatch: [], lhsContract: [0], rhsContract: [0] },
        { of: w.id },
      ),
    );
  });
  // optimizer: Adam on f32 master weights, new bf16 parameters
  b.withPhase('optimizer', () => {
    ws.forEach((w, k) => {
      const g = b.convert(grads[k], 'f32');
      const m = b.op1('add', [b.mul(ms[k], 0.9), b.mul(g, 0.1)], {}, { of: ms[k].id });
      const v = b.op1(
        'add',
        [b.mul(vs[k], 0.999), b.mul(b.mul(g, g), 0.001)],
        {},
        { of: vs[k].id },
      );
      const step = b.mul(b.div(m, b.add(b.sqrt(v), 1e-8)), 1e-4);
      const master = b.op1('subtract', [masters[k], step], {}, { of: masters[k].id });
      const wNew = b.op1('convert', [master], { dtype: 'bf16' }, { of: w.id });
      b.output(`new/${w.name}`, wNew, w);
      b.output(`new/${masters[k].name}`, master, masters[k]);
      b.output(`new/${ms[k].name}`, m, ms[k]);
      b.output(`new/${vs[k].name}`, v, vs[k]);
    });
  });
  return b.build();
}
