import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The StableHLO fixtures printed by real JAX (fixtures/generate.py), and what JAX computed. */
export const FIXTURES = [
  'mlp_train',
  'mlp_export',
  'mlp_sdy',
  'mlp_gspmd',
  'transformer_adam',
  'cnn_train',
  'moe_train',
  'scan_layers',
] as const;

export function fixturePath(name: string, ext = 'mlir'): string {
  return fileURLToPath(new URL(`../fixtures/${name}.${ext}`, import.meta.url));
}

export function fixtureText(name: string): string {
  return readFileSync(fixturePath(name), 'utf8');
}

export interface FixtureRun {
  readonly jax: string;
  readonly inputs: readonly { shape: number[]; dtype: string; data: number[] }[];
  readonly outputs: readonly { shape: number[]; dtype: string; data: number[] }[];
}

/** Fixtures that compute the same function on the same inputs share one record. */
const SAME_NUMBERS: Readonly<Record<string, string>> = {
  mlp_export: 'mlp_sdy',
  mlp_gspmd: 'mlp_sdy',
};

export function fixtureRun(name: string): FixtureRun {
  const file = fixturePath(SAME_NUMBERS[name] ?? name, 'json');
  return JSON.parse(readFileSync(file, 'utf8')) as FixtureRun;
}
