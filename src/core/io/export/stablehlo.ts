import { dtypeIsFloat } from '../../ir/dtype.ts';
import type { OpAttrs } from '../../ir/ops.ts';
import { isBinaryKind, isSpmdKind, isUnaryKind } from '../../ir/ops.ts';
import type { Func, Op, Program, Region, ValueId } from '../../ir/program.ts';
import { gspmdFromSpec } from '../sharding/gspmd.ts';
import { printSdyMesh, printSdySharding } from '../sharding/sdy.ts';
import type { Spec } from '../sharding/spec.ts';
import {
  ATTRIBUTELESS,
  combinerKind,
  convText,
  denseText,
  i64s,
  list,
  padText,
  str,
  symbol,
  tensorText,
} from './stablehlo-text.ts';
import type { StrategyJson } from './strategy.ts';

export interface StableHloExportOptions {
  /** Shardings to annotate: args, results and pinned intermediates (sdy.sharding_constraint). */
  readonly strategy?: StrategyJson;
  /** Also write GSPMD strings (mhlo.sharding) and pin intermediates with custom_call @Sharding. */
  readonly gspmd?: boolean;
}

/**
 * Prints a program as StableHLO text in the forms JAX prints (pretty where JAX is pretty,
 * generic for gather/scatter/sort/case and region ops), so the importer reads it back and XLA
 * can compile it. Scopes and phases travel in `loc("jit(name)/[transpose(jvp(]scope[))]/op")`
 * name stacks; shardings as Shardy attributes (and, with `gspmd`, GSPMD strings).
 */
export function programToStableHlo(p: Program, opts: StableHloExportOptions = {}): string {
  return new Printer(p, opts).module();
}

class Printer {
  private readonly names = new Map<ValueId, string>();
  private next = 0;
  private readonly out: string[] = [];
  private readonly pinned = new Map<ValueId, Spec>();
  private readonly jitName: string;

  constructor(
    private readonly p: Program,
    private readonly opts: StableHloExportOptions,
  ) {
    this.jitName = p.name.replace(/^jit_/, '');
    const s = opts.strategy;
    if (s)
      for (const c of s.constraints) if (c.op !== undefined) this.pinnedFor(c.op, c.spec, c.name);
  }

  private pinnedFor(opId: number, spec: Spec, name: string): void {
    // find the value by its defining op (the strategy names values by op id)
    const v = this.p.values.find(
      (x) =>
        x.def === opId &&
        (x.name === name || this.p.values.filter((y) => y.def === opId).length === 1),
    );
    if (v) this.pinned.set(v.id, spec);
  }

  module(): string {
    const { p, opts } = this;
    const s = opts.strategy;
    const devices = s ? s.mesh.axes.reduce((n, a) => n * a.size, 1) : 1;
    this.out.push(
      `module @${symbol(p.name)} attributes {mhlo.num_partitions = ${devices} : i32, mhlo.num_replicas = 1 : i32} {`,
    );
    if (s && s.mesh.axes.length) this.out.push(`  ${printSdyMesh('mesh', s.mesh)}`);
    this.mainFunc();
    for (const f of p.funcs.values()) this.func(f);
    this.out.push('}');
    return this.out.join('\n') + '\n';
  }

  private shardingAttrs(spec: Spec | undefined): string[] {
    const s = this.opts.strategy;
    if (!s || !spec) return [];
    const attrs = [`sdy.sharding = ${printSdySharding('mesh', spec)}`];
    if (this.opts.gspmd) attrs.push(`mhlo.sharding = ${str(gspmdFromSpec(spec, s.mesh))}`);
    return attrs;
  }

  private mainFunc(): void {
    const { p } = this;
    const s = this.opts.strategy;
    const inPaths = p.meta.jaxInputPaths as readonly string[] | undefined;
    const outPaths = p.meta.jaxOutputPaths as readonly string[] | undefined;
    const aliasOf = new Map<number, number>();
    p.outputs.forEach((o, k) => o.aliases !== undefined && aliasOf.set(o.aliases, k));
    const args = p.main.params.map((id, i) => {
      const name = `%arg${i}`;
      this.names.set(id, name);
      const attrs = this.shardingAttrs(s?.inputs[i]?.spec);
      if (aliasOf.has(i)) attrs.push(`tf.aliasing_output = ${aliasOf.get(i)} : i32`);
      const label = inPaths?.[i] ?? p.values[id].name;
      return `${name}: ${tensorText(p.values[id].type)}${attrs.length ? ` {${attrs.join(', ')}}` : ''} loc(${str(label)})`;
    });
    const results = p.outputs.map((o, k) => {
      const attrs = [
        `jax.result_info = ${str(outPaths?.[k] ?? o.name)}`,
        ...this.shardingAttrs(s?.outputs[k]?.spec),
      ];
      return `${tensorText(p.values[o.value].type)} {${attrs.join(', ')}}`;
    });
    this.out.push(`  func.func public @main(${args.join(', ')}) -> (${results.join(', ')}) {`);
    this.ops(p.main.ops, '    ');
    this.ret(
      'func.return',
      p.outputs.map((o) => o.value),
      '    ',
    );
    this.out.push('  }');
  }

  private func(f: Func): void {
    const saved = new Map(this.names);
    const args = f.params.map((id, i) => {
      this.names.set(id, `%arg${i}`);
      return `%arg${i}: ${tensorText(this.p.values[id].type)}`;
    });
    const results = f.results.map((id) => tensorText(this.p.values[id].type));
    this.out.push(
      `  func.func private @${symbol(f.name)}(${args.join(', ')}) -> (${results.join(', ')}) {`,
    );
    this.ops(f.ops, '    ');
    this.ret('func.return', f.results, '    ');
    this.out.push('  }');
    this.names.clear();
    for (const [k, v] of saved) this.names.set(k, v);
  }

  private ret(kind: string, ids: readonly ValueId[], ind: string): void {
    if (!ids.length) return void this.out.push(`${ind}${kind}`);
    this.out.push(
      `${ind}${kind} ${ids.map((i) => this.ref(i)).join(', ')} : ${ids.map((i) => this.type(i)).join(', ')}`,
    );
  }

  private ref(id: ValueId): string {
    const n = this.names.get(id);
    if (n === undefined)
      throw new Error(`StableHLO export: value %${id} is used before it is defined`);
    return n;
  }

  private type(id: ValueId): string {
    return tensorText(this.p.values[id].type);
  }

  private ops(ops: readonly Op[], ind: string): void {
    for (const op of ops) this.op(op, ind);
  }

  private loc(op: Op): string {
    const scope = op.scope;
    const inner =
      op.phase === 'backward'
        ? `transpose(jvp(${scope.split('/')[0]}))`
        : op.phase === 'forward'
          ? `jvp(${scope.split('/')[0]})`
          : scope.split('/')[0];
    const rest = scope.split('/').slice(1);
    const parts = [`jit(${this.jitName})`, ...(inner ? [inner] : []), ...rest, op.kind];
    return `loc(${str(parts.join('/'))})`;
  }

  private op(op: Op, ind: string): void {
    const base = `%${this.next++}`;
    const n = op.results.length;
    op.results.forEach((r, i) => this.names.set(r, n === 1 ? base : `${base}#${i}`));
    const lhs = n === 0 ? '' : n === 1 ? `${base} = ` : `${base}:${n} = `;
    const body = this.opBody(op, ind);
    this.out.push(`${ind}${lhs}${body} ${this.loc(op)}`);
    for (const r of op.results) {
      const spec = this.pinned.get(r);
      if (spec) this.constrain(r, spec, ind);
    }
  }

  private constrain(id: ValueId, spec: Spec, ind: string): void {
    const name = `%${this.next++}`;
    const t = this.type(id);
    const s = this.opts.strategy!;
    if (this.opts.gspmd)
      this.out.push(
        `${ind}${name} = stablehlo.custom_call @Sharding(${this.ref(id)}) {backend_config = "", mhlo.sharding = ${str(gspmdFromSpec(spec, s.mesh))}} : (${t}) -> ${t}`,
      );
    else
      this.out.push(
        `${ind}${name} = sdy.sharding_constraint ${this.ref(id)} ${printSdySharding('mesh', spec, { prefix: false })} : ${t}`,
      );
    this.names.set(id, name);
  }

  private sig(op: Op): string {
    return `(${op.operands.map((o) => this.type(o)).join(', ')}) -> ${op.results.length === 1 ? this.type(op.results[0]) : `(${op.results.map((r) => this.type(r)).join(', ')})`}`;
  }

  private args(op: Op): string {
    return op.operands.map((o) => this.ref(o)).join(', ');
  }

  private opBody(op: Op, ind: string): string {
    const k = op.kind;
    const a: unknown = op.attrs;
    const x = this.args(op);
    if (k === 'erf')
      return `chlo.erf ${x} : ${this.type(op.operands[0])} -> ${this.type(op.results[0])}`;
    if (k === 'is_finite') return `stablehlo.is_finite ${x} : ${this.sig(op)}`;
    if (isUnaryKind(k) || isBinaryKind(k))
      return `stablehlo.${k} ${x} : ${this.type(op.results[0])}`;
    if (isSpmdKind(k)) throw new Error(`StableHLO export: ${k} exists only in per-device programs`);
    switch (k) {
      case 'compare': {
        const dt = this.p.values[op.operands[0]].type.dtype;
        const ct = dtypeIsFloat(dt) ? 'FLOAT' : dt === 'i1' ? 'UNSIGNED' : 'SIGNED';
        return `stablehlo.compare ${(a as OpAttrs['compare']).direction}, ${x}, ${ct} : ${this.sig(op)}`;
      }
      case 'select':
      case 'clamp':
      case 'dynamic_update_slice':
      case 'reshape':
      case 'convert':
        return `stablehlo.${k} ${x} : ${this.sig(op)}`;
      case 'constant': {
        const c = a as OpAttrs['constant'];
        return `stablehlo.constant ${denseText(c.value, c.shape, c.dtype)} : ${this.type(op.results[0])}`;
      }
      case 'iota':
        return `stablehlo.iota dim = ${(a as OpAttrs['iota']).dimension} : ${this.type(op.results[0])}`;
      case 'broadcast_in_dim':
        return `stablehlo.broadcast_in_dim ${x}, dims = ${list((a as OpAttrs['broadcast_in_dim']).dims)} : ${this.sig(op)}`;
      case 'transpose':
        return `stablehlo.transpose ${x}, dims = ${list((a as OpAttrs['transpose']).permutation)} : ${this.sig(op)}`;
      case 'reverse':
        return `stablehlo.reverse ${x}, dims = ${list((a as OpAttrs['reverse']).dims)} : ${this.type(op.results[0])}`;
      case 'dot_general': {
        const d = a as OpAttrs['dot_general'];
        const batch = d.lhsBatch.length
          ? `batching_dims = ${list(d.lhsBatch)} x ${list(d.rhsBatch)}, `
          : '';
        return `stablehlo.dot_general ${x}, ${batch}contracting_dims = ${list(d.lhsContract)} x ${list(d.rhsContract)} : ${this.sig(op)}`;
      }
      case 'slice': {
        const s = a as OpAttrs['slice'];
        const r = s.start.map(
          (st, i) => `${st}:${s.limit[i]}${s.strides[i] !== 1 ? `:${s.strides[i]}` : ''}`,
        );
        return `stablehlo.slice ${x} [${r.join(', ')}] : ${this.sig(op)}`;
      }
      case 'dynamic_slice':
        return `stablehlo.dynamic_slice ${x}, sizes = ${list((a as OpAttrs['dynamic_slice']).sliceSizes)} : ${this.sig(op)}`;
      case 'concatenate':
        return `stablehlo.concatenate ${x}, dim = ${(a as OpAttrs['concatenate']).dimension} : ${this.sig(op)}`;
      case 'pad': {
        const d = a as OpAttrs['pad'];
        return `stablehlo.pad ${x}, low = ${list(d.low)}, high = ${list(d.high)}, interior = ${list(d.interior)} : ${this.sig(op)}`;
      }
      case 'convolution':
        return `stablehlo.convolution(${x}) ${convText(a as OpAttrs['convolution'])} : ${this.sig(op)}`;
      case 'reduce': {
        const comb = combinerKind(op.regions[0]);
        const [v, init] = op.operands;
        const dims = list((a as OpAttrs['reduce']).dims);
        if (comb)
          return `stablehlo.reduce(${this.ref(v)} init: ${this.ref(init)}) applies stablehlo.${comb} across dimensions = ${dims} : ${this.sig(op)}`;
        return `"stablehlo.reduce"(${x}) <{dimensions = ${i64s((a as OpAttrs['reduce']).dims)}}> ${this.regions(op.regions, ind)} : ${this.sig(op)}`;
      }
      case 'gather': {
        const g = a as OpAttrs['gather'];
        return `"stablehlo.gather"(${x}) <{dimension_numbers = #stablehlo.gather<offset_dims = ${list(g.offsetDims)}, collapsed_slice_dims = ${list(g.collapsedSliceDims)}, start_index_map = ${list(g.startIndexMap)}, index_vector_dim = ${g.indexVectorDim}>, indices_are_sorted = false, slice_sizes = ${i64s(g.sliceSizes)}}> : ${this.sig(op)}`;
      }
      case 'scatter': {
        const s = a as OpAttrs['scatter'];
        return `"stablehlo.scatter"(${x}) <{indices_are_sorted = false, scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = ${list(s.updateWindowDims)}, inserted_window_dims = ${list(s.insertedWindowDims)}, scatter_dims_to_operand_dims = ${list(s.scatterDimsToOperandDims)}, index_vector_dim = ${s.indexVectorDim}>, unique_indices = false}> ${this.regions(op.regions, ind)} : ${this.sig(op)}`;
      }
      case 'reduce_window': {
        const w = a as OpAttrs['reduce_window'];
        return `"stablehlo.reduce_window"(${x}) <{base_dilations = ${i64s(w.baseDilations)}, padding = ${padText(w.padding)}, window_dilations = ${i64s(w.windowDilations)}, window_dimensions = ${i64s(w.windowDimensions)}, window_strides = ${i64s(w.windowStrides)}}> ${this.regions(op.regions, ind)} : ${this.sig(op)}`;
      }
      case 'select_and_scatter': {
        const w = a as OpAttrs['select_and_scatter'];
        return `"stablehlo.select_and_scatter"(${x}) <{padding = ${padText(w.padding)}, window_dimensions = ${i64s(w.windowDimensions)}, window_strides = ${i64s(w.windowStrides)}}> ${this.regions(op.regions, ind)} : ${this.sig(op)}`;
      }
      case 'sort': {
        const s = a as OpAttrs['sort'];
        return `"stablehlo.sort"(${x}) <{dimension = ${s.dimension} : i64, is_stable = ${s.isStable}}> ${this.regions(op.regions, ind)} : ${this.sig(op)}`;
      }
      case 'while':
        return `"stablehlo.while"(${x}) ${this.regions(op.regions, ind)} {shardlab.trip_count = ${(a as OpAttrs['while']).tripCount} : i64} : ${this.sig(op)}`;
      case 'case': {
        // StableHLO branches read outer values: bind each branch's params to the operands
        const [idx, ...rest] = op.operands;
        for (const r of op.regions)
          r.params.forEach((pid, i) => this.names.set(pid, this.ref(rest[i])));
        const regions = `(${op.regions.map((r) => this.region(r, ind, false)).join(', ')})`;
        const res = op.results.map((r) => this.type(r)).join(', ');
        return `"stablehlo.case"(${this.ref(idx)}) ${regions} : (${this.type(idx)}) -> (${res})`;
      }
      case 'call':
        return `func.call @${symbol((a as OpAttrs['call']).callee)}(${x}) : ${this.sig(op)}`;
      case 'custom_call': {
        const c = a as OpAttrs['custom_call'];
        // an op the importer kept opaque that has no attributes prints back as itself
        if (ATTRIBUTELESS.has(c.callTarget)) return `${str(c.callTarget)}(${x}) : ${this.sig(op)}`;
        const cfg =
          c.backendConfig !== undefined ? ` {backend_config = ${str(c.backendConfig)}}` : '';
        return `stablehlo.custom_call @${symbol(c.callTarget)}(${x})${cfg} : ${this.sig(op)}`;
      }
    }
    throw new Error(`StableHLO export: no printer for op kind ${k}`);
  }

  private regions(rs: readonly Region[], ind: string): string {
    return `(${rs.map((r) => this.region(r, ind, true)).join(', ')})`;
  }

  private region(r: Region, ind: string, withArgs: boolean): string {
    const inner = ind + '  ';
    const saved = this.out.length;
    const args = r.params.map((pid) => {
      const n = `%${this.next++}`;
      if (withArgs) this.names.set(pid, n);
      return `${n}: ${this.type(pid)}`;
    });
    this.ops(r.ops, inner);
    this.ret('stablehlo.return', r.yields, inner);
    const body = this.out.splice(saved);
    const head = withArgs && args.length ? `\n${inner}^bb0(${args.join(', ')}):` : '';
    return `{${head}\n${body.join('\n')}\n${ind}}`;
  }
}
