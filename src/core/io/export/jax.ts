import type { Spec } from '../sharding/spec.ts';
import type { StrategyJson } from './strategy.ts';

/** `P('data', None)`, `P(('data', 'model'), None)`, `P()` for scalars. */
export function partitionSpecPython(spec: Spec): string {
  const dims = spec.map((d) =>
    d.length === 0 ? 'None' : d.length === 1 ? py(d[0]) : `(${d.map(py).join(', ')})`,
  );
  // trailing Nones are implicit in a PartitionSpec, but spelled out they show the rank
  return `P(${dims.join(', ')})`;
}

function py(s: string): string {
  return JSON.stringify(s);
}

/**
 * The strategy as JAX code: the Mesh, a NamedSharding per argument and result keyed by its
 * pytree path (in the flattened order of the jitted function's arguments), and
 * with_sharding_constraint for the intermediates the strategy pins.
 */
export function strategyToJax(s: StrategyJson, title: string): string {
  const axes = s.mesh.axes;
  const lines: string[] = [
    `# shardlab strategy for ${title}: ${s.schedule || '(empty schedule)'}`,
    `# mesh ${axes.map((a) => `${a.name}=${a.size}`).join(', ')}; written by \`shardlab export --format jax\`.`,
    'import jax',
    'from jax.sharding import NamedSharding, PartitionSpec as P',
    '',
    `mesh = jax.make_mesh((${axes.map((a) => a.size).join(', ')}${axes.length === 1 ? ',' : ''}), (${axes.map((a) => py(a.name)).join(', ')}${axes.length === 1 ? ',' : ''}))`,
    '',
    '# Arguments, in the flattened (pytree) order of the jitted function.',
    'in_specs = {',
    ...s.inputs.map(
      (v) => `    ${py(v.name)}: ${partitionSpecPython(v.spec)},  # ${shapeText(v.shape)}`,
    ),
    '}',
    '',
    '# Results, in flattened order; a partial (unreduced) result is given as its reduced spec.',
    'out_specs = {',
    ...s.outputs.map(
      (v) =>
        `    ${py(v.name)}: ${partitionSpecPython(v.spec)},  # ${shapeText(v.shape)}${v.partial ? ` partial over ${v.partial.join(', ')}` : ''}`,
    ),
    '}',
    '',
    '# Intermediates the strategy pins: call constrain(x, name) where the value is computed.',
    'constraint_specs = {',
    ...s.constraints.map(
      (v) =>
        `    ${py(v.name)}: ${partitionSpecPython(v.spec)},  # ${shapeText(v.shape)}, op ${v.op}`,
    ),
    '}',
    '',
    '',
    'def constrain(x, name):',
    '    return jax.lax.with_sharding_constraint(x, NamedSharding(mesh, constraint_specs[name]))',
    '',
    '',
    'def shard(fn, *example_args, **jit_kwargs):',
    '    """jax.jit(fn) with the strategy\'s in/out shardings (the flat lists take the args\' tree)."""',
    '    in_flat = [NamedSharding(mesh, spec) for spec in in_specs.values()]',
    '    out_flat = [NamedSharding(mesh, spec) for spec in out_specs.values()]',
    '    in_tree = jax.tree.structure(example_args)',
    '    out_tree = jax.tree.structure(jax.eval_shape(fn, *example_args))',
    '    return jax.jit(',
    '        fn,',
    '        in_shardings=jax.tree.unflatten(in_tree, in_flat),',
    '        out_shardings=jax.tree.unflatten(out_tree, out_flat),',
    '        **jit_kwargs,',
    '    )',
    '',
  ];
  return lines.join('\n');
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
