// StableHLO import (parse + map to the IR, programStats excluded) of a real JAX module and of
// modules of about 500 KB and 50 MB. The large ones are zoo training steps printed by shardlab's
// own StableHLO exporter (the forms JAX prints: pretty ops, generic gather/scatter, locations
// with name stacks), generated once outside the timed runs. Targets: 500 KB < 200 ms, 50 MB < 10 s.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { programToStableHlo } from '../src/core/io/export/stablehlo.ts';
import { importStableHlo } from '../src/core/io/stablehlo/import.ts';
import { buildModel, parseModelSpec } from '../src/core/models/index.ts';
import { formatInt } from '../src/cli/format.ts';
import { bench } from './bench.ts';

const fixture = readFileSync(
  fileURLToPath(new URL('../src/core/io/fixtures/transformer_adam.mlir', import.meta.url)),
  'utf8',
);

function exported(spec: string): string {
  return programToStableHlo(buildModel(parseModelSpec(spec)));
}

const kb = (s: string) => `${formatInt(Math.round(s.length / 1024))} KB`;

function importCase(name: string, text: string, runs: number) {
  return bench({
    name: `${name} (${kb(text)})`,
    runs,
    run: () => importStableHlo(text),
    describe: (r) => `${formatInt(r.report.ops)} ops`,
  });
}

const medium = exported('gpt:layers=5,d_model=32,heads=4,ffn=64,seq=8,vocab=50,batch=2');
const large = exported('gpt:layers=480,d_model=32,heads=4,ffn=64,seq=8,vocab=50,batch=2');

export default [
  importCase('JAX transformer + Adam step (fixture)', fixture, 20),
  importCase('gpt 5 layers, exported', medium, 10),
  importCase('gpt 480 layers, exported', large, 2),
];
