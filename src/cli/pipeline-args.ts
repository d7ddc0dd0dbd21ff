import { existsSync, readFileSync } from 'node:fs';
import { HardwareError, hardwareByName, type Hardware } from '../core/mesh/hardware.ts';
import { MeshError, parseMesh, type Mesh } from '../core/mesh/mesh.ts';
import {
  defaultTopology,
  parseTopology,
  TopologyError,
  type Topology,
} from '../core/mesh/topology.ts';
import type { Program } from '../core/ir/program.ts';
import { buildModel, ModelSpecError, parseModelSpec } from '../core/models/index.ts';
import { partitionProgram, type Partitioned } from '../core/spmd/partition.ts';
import { parseSchedule, scheduleFromJson } from '../core/tactics/schedule.ts';
import { TacticError, type Tactic } from '../core/tactics/tactic.ts';
import { UsageError } from './errors.ts';
import { importModelFile, isModelFile } from './model-file.ts';

/** The options every pipeline command (partition, simulate) declares the same way. */
export const PIPELINE_OPTIONS = {
  model: {
    type: 'string',
    short: 'm',
    valueName: 'SPEC',
    description: 'model preset or spec, or a StableHLO file (FILE.mlir)',
    required: true,
  },
  mesh: {
    type: 'string',
    valueName: 'AXES',
    description: 'mesh axes major to minor, e.g. data=4,model=2',
    required: true,
  },
  schedule: {
    type: 'string',
    short: 's',
    valueName: 'SCHEDULE',
    description: 'tactics, e.g. "BP(data),MP(model)", or a JSON file',
    required: true,
  },
} as const;

/** The options of the commands that simulate (simulate, auto): the device and the links. */
export const HARDWARE_OPTIONS = {
  hardware: {
    type: 'string',
    valueName: 'NAME',
    description: 'device model, e.g. h100-80gb or tpu-v4 (default h100-80gb)',
  },
  topology: {
    type: 'string',
    valueName: 'MAP',
    description: 'where each mesh axis runs, e.g. model=nvlink,data=infiniband',
  },
} as const;

/**
 * The options the pipeline commands share (--mesh, --schedule, --hardware, --topology), each
 * parsed by the core and its error turned into a usage error that names the option: what the
 * user typed is wrong, so the CLI exits 2 with the core's message.
 */
function asUsage<T>(option: string, errorType: new (...args: never[]) => Error, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof errorType) throw new UsageError(`${option}: ${e.message}`);
    throw e;
  }
}

/** A model spec; a bad one is the user's typo: a usage error with the zoo's own message (it names the key).
 *  A path to StableHLO text (.mlir, .stablehlo, .txt) imports that program instead. */
export function modelArg(spec: string): Program {
  if (isModelFile(spec)) return importModelFile(spec).program;
  try {
    return buildModel(parseModelSpec(spec));
  } catch (e) {
    if (e instanceof ModelSpecError) throw new UsageError(e.message);
    throw e;
  }
}

export function meshArg(text: string): Mesh {
  return asUsage('--mesh', MeshError, () => parseMesh(text));
}

/** A schedule string, or a path to a JSON schedule. */
export function scheduleArg(text: string): Tactic[] {
  return asUsage('--schedule', TacticError, () => {
    if (!/\.json$/i.test(text) && !existsSync(text)) return parseSchedule(text);
    if (!existsSync(text)) throw new UsageError(`--schedule: no such file '${text}'`);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(text, 'utf8'));
    } catch (e) {
      throw new UsageError(`--schedule: '${text}' is not valid JSON: ${(e as Error).message}`);
    }
    return scheduleFromJson(json);
  });
}

export function hardwareArg(name: string): Hardware {
  return asUsage('--hardware', HardwareError, () => hardwareByName(name));
}

export function topologyArg(text: string | undefined, mesh: Mesh, hw: Hardware): Topology {
  return asUsage('--topology', TopologyError, () =>
    text === undefined ? defaultTopology(mesh, hw) : parseTopology(text, mesh, hw),
  );
}

/** Applies the schedule (a bad tactic is the user's: usage error naming the tactic). */
export function partitionArg(
  program: Program,
  mesh: Mesh,
  schedule: readonly Tactic[],
  after?: number,
): Partitioned {
  try {
    return partitionProgram(program, mesh, schedule, { after });
  } catch (e) {
    if (e instanceof TacticError) throw new UsageError(e.message);
    throw e;
  }
}
