import type { InputRole } from '../../ir/program.ts';

/**
 * `params['layers_3']['mlp']['wi']` → `params/layers_3/mlp/wi`; `opt_state[0].mu['w']` →
 * `opt_state/0/mu/w`; `result[0]['b1']` → `result/0/b1`. The zoo names values with slash paths,
 * so tactics written for zoo models (MP's `wq`/`wo` patterns, EP's `moe/wi`) select imported
 * ones too; the JAX spelling is kept beside it for the exports.
 */
export function pytreePathToName(path: string): string {
  const parts: string[] = [];
  const re =
    /\[\s*'((?:[^'\\]|\\.)*)'\s*\]|\[\s*"((?:[^"\\]|\\.)*)"\s*\]|\[\s*(-?\d+)\s*\]|\.([A-Za-z_][\w]*)|^([^.[\]]+)/g;
  let last = 0;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m.index !== last) return path.replace(/\s+/g, '_');
    parts.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5]);
    last = re.lastIndex;
    if (m[0] === '') break;
  }
  if (last !== path.length || !parts.length) return path;
  return parts.join('/');
}

const OPT_STATE =
  /(^|\/)(opt_state|optimizer_state|opt|optimizer|mu|nu|momentum|count|step_count)(\/|$)/;
const PARAMS = /^(params|param|parameters|weights|variables|model|state_params|p)(\/|$)/;
const DATA =
  /^(x|y|xs|ys|batch|data|inputs?|labels?|targets?|tokens|images?|ids|input_ids|mask|rng|key)(\/|$)/;

/**
 * The role of a main-function input, from its name first (optimizer state under `opt_state`,
 * `mu`, `nu`; parameters under `params`; data under `x`, `batch`, `labels`…), then from the
 * program's shape: a donated input is state the step replaces (a parameter), and an argument
 * that is a pytree of several leaves is a parameter tree; a lone array is data.
 */
export function inferRole(name: string, donated: boolean, siblings: number): InputRole {
  if (DATA.test(name)) return 'data';
  if (OPT_STATE.test(name) && !PARAMS.test(name)) return 'optState';
  if (PARAMS.test(name)) return 'param';
  if (donated) return 'param';
  return siblings > 1 ? 'param' : 'data';
}
