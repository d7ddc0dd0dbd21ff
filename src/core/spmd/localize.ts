import type { ProgramBuilder } from '../ir/builder.ts';
import type { OpAttrs } from '../ir/ops.ts';
import type { Op, Program, Value } from '../ir/program.ts';
import type { Shape } from '../ir/shape.ts';
import type { Mesh } from '../mesh/mesh.ts';
import { axisSize } from '../sharding/projection.ts';
import type { Sharding } from '../sharding/sharding.ts';

export function localShape(shape: Shape, s: Sharding, mesh: Mesh): number[] {
  const out: number[] = new Array(shape.length);
  for (let d = 0; d < shape.length; d++) {
    let k = 1;
    for (const a of s.dims[d]) k *= axisSize(mesh, a);
    out[d] = shape[d] / k;
  }
  return out;
}

const LOCAL_ATTR_KINDS: ReadonlySet<string> = new Set([
  'reshape',
  'broadcast_in_dim',
  'iota',
  'constant',
  'slice',
  'dynamic_slice',
  'gather',
]);

/** False when localAttrs gives the op's own attributes back unchanged (and no `after`). */
export function hasLocalAttrs(kind: string): boolean {
  return LOCAL_ATTR_KINDS.has(kind);
}

export interface LocalOp {
  readonly attrs: unknown;
  /** Work after the op: e.g. offsetting a sharded iota by the device's position. */
  readonly after?: (b: ProgramBuilder, results: Value[]) => Value[];
}

/**
 * An op's attributes on local shapes. Shape-carrying attributes shrink with the result's
 * sharding; dims the factor rules let be sharded (pass-through) are whole-dim in every
 * slice/pad/gather, so their local bounds are simply the local sizes.
 */
export function localAttrs(
  op: Op,
  p: Program,
  results: readonly Sharding[],
  locals: readonly Value[],
  mesh: Mesh,
): LocalOp {
  switch (op.kind) {
    case 'reshape':
    case 'broadcast_in_dim':
    case 'iota':
    case 'constant':
    case 'slice':
    case 'dynamic_slice':
      return shapedAttrs(
        op,
        localShape(p.values[op.results[0]].type.shape, results[0], mesh),
        results,
      );
    case 'gather': {
      const a = op.attrs as OpAttrs['gather'];
      const operand = locals[0].type.shape;
      const full = p.values[op.operands[0]].type.shape;
      return {
        attrs: { ...a, sliceSizes: a.sliceSizes.map((s, d) => (s === full[d] ? operand[d] : s)) },
      };
    }
    case 'custom_call':
      return { attrs: op.attrs };
    default:
      return { attrs: op.attrs };
  }
}

/** localAttrs of the ops whose attributes carry the result's shape (`local0`: its local shape). */
function shapedAttrs(op: Op, local0: number[], results: readonly Sharding[]): LocalOp {
  switch (op.kind) {
    case 'reshape':
      return { attrs: { shape: local0 } };
    case 'broadcast_in_dim':
      return { attrs: { ...(op.attrs as OpAttrs['broadcast_in_dim']), shape: local0 } };
    case 'iota': {
      const a = op.attrs as OpAttrs['iota'];
      const axes = results[0].dims[a.dimension];
      const shape = local0;
      if (axes.length === 0) return { attrs: { ...a, shape } };
      return {
        attrs: { ...a, shape },
        after: (b, [x]) => {
          const rank = b.convert(b.op1('axis_index', [], { axes }), a.dtype);
          return [b.add(x, b.mul(rank, b.constant(shape[a.dimension], [], a.dtype)))];
        },
      };
    }
    case 'constant': {
      const a = op.attrs as OpAttrs['constant'];
      if (typeof a.value === 'number') return { attrs: { ...a, shape: local0 } };
      const sharded = results[0].dims.flatMap((axes, d) => (axes.length ? [{ axes, d }] : []));
      if (sharded.length === 0) return { attrs: a };
      return {
        attrs: a,
        after: (b, [x]) => [
          sharded.reduce((v, { axes, d }) => b.op1('shard_slice', [v], { axes, dim: d }), x),
        ],
      };
    }
    case 'slice': {
      const a = op.attrs as OpAttrs['slice'];
      const shape = local0;
      const sharded = (d: number) => results[0].dims[d].length > 0;
      return {
        attrs: {
          start: a.start.map((s, d) => (sharded(d) ? 0 : s)),
          limit: a.limit.map((l, d) => (sharded(d) ? shape[d] : l)),
          strides: a.strides.map((s, d) => (sharded(d) ? 1 : s)),
        },
      };
    }
    default:
      return { attrs: { sliceSizes: local0 } }; // dynamic_slice
  }
}
