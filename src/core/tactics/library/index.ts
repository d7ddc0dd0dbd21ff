import type { NamedTacticName, TacticDefinition } from '../tactic.ts';
import { BP } from './bp.ts';
import { EMB } from './emb.ts';
import { EP } from './ep.ts';
import { MP } from './mp.ts';
import { SP } from './sp.ts';
import { Z1, Z2, Z3 } from './zero.ts';

/** The named tactic library, in palette order. */
export const TACTIC_LIBRARY: Readonly<Record<NamedTacticName, TacticDefinition>> = {
  BP,
  MP,
  SP,
  EMB,
  Z1,
  Z2,
  Z3,
  EP,
};
