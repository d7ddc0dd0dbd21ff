import type { Program } from '../../ir/program.ts';
import type { Tactic } from '../../tactics/tactic.ts';
import type { ImportReport } from '../stablehlo/import.ts';
import { specFromGspmd } from './gspmd.ts';
import { parseSdySharding } from './sdy.ts';
import type { MeshAxes, Spec } from './spec.ts';

export interface FoundSharding {
  readonly target: 'input' | 'output' | 'constraint';
  readonly index: number;
  readonly name: string;
  readonly shape: readonly number[];
  readonly dialect: 'sdy' | 'gspmd';
  readonly text: string;
  /** Undefined when it could not be read against the mesh (see warnings). */
  readonly spec?: Spec;
  readonly replicated?: readonly string[];
  readonly unreduced?: readonly string[];
}

export interface FoundShardings {
  readonly mesh?: MeshAxes;
  readonly shardings: readonly FoundSharding[];
  /** The shardings of inputs and pinned intermediates as tile/replicate tactics, in that order. */
  readonly tactics: readonly Tactic[];
  readonly warnings: readonly string[];
}

const MAX_TACTICS = 256;

function exact(name: string): string {
  return `^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;
}

/**
 * Reads the shardings an imported file carried (Shardy attributes against its `sdy.mesh`, or
 * GSPMD strings against `mesh`) and turns those of inputs and constraints into a schedule
 * prefix: one tile tactic per (dim, axis), major axis first, selecting the value by exact name.
 * Output shardings are listed but not seeded: propagation from the inputs decides them.
 */
export function readAnnotations(
  program: Program,
  report: ImportReport,
  mesh?: MeshAxes,
): FoundShardings {
  const warnings: string[] = [];
  const meshes = [...report.meshes.values()];
  const fileMesh = meshes.find((m) => m.axes.length > 0);
  const useMesh: MeshAxes | undefined = fileMesh ? { axes: fileMesh.axes } : mesh;
  const shardings: FoundSharding[] = [];
  const tactics: Tactic[] = [];
  for (const a of report.annotations) {
    const v = program.values[a.value];
    const base = {
      target: a.target,
      index: a.index,
      name: v.name,
      shape: v.type.shape,
      dialect: a.dialect,
      text: a.text,
    };
    let spec: Spec | undefined;
    let replicated: readonly string[] = [];
    let unreduced: readonly string[] = [];
    if (a.dialect === 'sdy') {
      const s = parseSdySharding(a.text);
      if ('error' in s) warnings.push(s.error);
      else {
        spec = s.dims.map((d) => d.axes);
        replicated = s.replicated;
        unreduced = s.unreduced;
        if (s.subAxes) warnings.push(`${v.name}: sub-axes are read as whole axes`);
        if (s.dims.length !== v.type.shape.length) {
          warnings.push(
            `${v.name}: sharding has ${s.dims.length} dims, the value has ${v.type.shape.length}`,
          );
          spec = undefined;
        }
      }
    } else if (!useMesh)
      warnings.push(`${v.name}: GSPMD sharding ${a.text} needs a mesh (--mesh) to be read`);
    else {
      spec = specFromGspmd(a.text, v.type.shape.length, useMesh);
      if (!spec)
        warnings.push(`${v.name}: GSPMD sharding ${a.text} does not match any spec on the mesh`);
    }
    if (unreduced.length)
      warnings.push(
        `${v.name}: unreduced axes {${unreduced.join(', ')}} cannot be seeded; ignored`,
      );
    shardings.push({ ...base, spec, replicated, unreduced });
    if (!spec || a.target === 'output') continue;
    const select = { name: exact(v.name) };
    spec.forEach((axes, dim) => {
      for (const axis of axes) tactics.push({ tactic: 'tile', axis, dim, select });
    });
    for (const axis of replicated) tactics.push({ tactic: 'replicate', axis, select });
  }
  if (tactics.length > MAX_TACTICS) {
    // a schedule holds at most 256 tactics (schedule.ts); explicit-sharding dumps pin nearly every op
    warnings.push(
      `${tactics.length} tactics from the file's shardings; the schedule prefix keeps the first ${MAX_TACTICS}`,
    );
    tactics.length = MAX_TACTICS;
  }
  return { mesh: useMesh, shardings, tactics, warnings };
}
