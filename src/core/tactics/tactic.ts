import type { Op, Program, ValueId } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import type { ShardingState } from '../sharding/state.ts';
import type { Selector } from './selector.ts';

export const NAMED_TACTICS = ['BP', 'MP', 'SP', 'EMB', 'Z1', 'Z2', 'Z3', 'EP'] as const;
export type NamedTacticName = (typeof NAMED_TACTICS)[number];

/** One step of a schedule, as the user writes it (and as JSON stores it). */
export type Tactic =
  | {
      readonly tactic: NamedTacticName;
      readonly axis: string;
      readonly scope?: string;
      readonly enabled?: boolean;
    }
  | {
      readonly tactic: 'tile';
      readonly axis: string;
      readonly dim: number;
      readonly select: Selector;
      readonly enabled?: boolean;
    }
  | {
      readonly tactic: 'replicate';
      readonly axis: string;
      readonly select: Selector;
      readonly enabled?: boolean;
    };

/** An action a tactic seeds before propagation runs. */
export type Seed =
  | {
      readonly action: 'tile';
      readonly value: ValueId;
      readonly dim: number;
      readonly axis: string;
      readonly why: string;
    }
  | {
      readonly action: 'replicate';
      readonly value: ValueId;
      readonly axis: string;
      readonly why: string;
    };

export interface SeedContext {
  readonly program: Program;
  readonly mesh: Mesh;
  /** The state after the earlier tactics (seeds may look at it, e.g. to pick a free dim). */
  readonly state: ShardingState;
  /** Restricts the tactic to a subgraph: values whose scope matches. */
  readonly scope?: RegExp;
}

/**
 * A named tactic: its documentation is data (the palette, the CLI help and the docs are built
 * from it), `seeds` says what to tile or replicate, `propagatesThrough` which ops propagation may
 * cross afterwards (everything, or only the optimizer update for ZeRO).
 */
export interface TacticDefinition {
  readonly name: NamedTacticName;
  readonly title: string;
  readonly summary: string;
  seeds(ctx: SeedContext, axis: string): Seed[];
  readonly propagatesThrough: (op: Op, program: Program) => boolean;
  /** Gradients are sharded on the axis: the lowering reduce-scatters each where it is produced. */
  readonly shardsGradients?: boolean;
}

export class TacticError extends Error {
  constructor(
    message: string,
    readonly tacticIndex?: number,
  ) {
    super(message);
    this.name = 'TacticError';
  }
}

export function tacticToString(t: Tactic): string {
  switch (t.tactic) {
    case 'tile':
      return `tile(${JSON.stringify(t.select.name ?? '')}, ${t.dim}, ${t.axis}${selectorExtras(t.select)})`;
    case 'replicate':
      return `replicate(${JSON.stringify(t.select.name ?? '')}, ${t.axis}${selectorExtras(t.select)})`;
    default:
      return `${t.tactic}(${t.axis}${t.scope !== undefined ? `, scope=${JSON.stringify(t.scope)}` : ''})`;
  }
}

function selectorExtras(s: Selector): string {
  const parts: string[] = [];
  if (s.scope !== undefined) parts.push(`scope=${JSON.stringify(s.scope)}`);
  if (s.role) parts.push(`role=${s.role.join('|')}`);
  if (s.kind) parts.push(`kind=${s.kind.join('|')}`);
  return parts.length ? ', ' + parts.join(', ') : '';
}
