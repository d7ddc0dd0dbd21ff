// Building programs with the model zoo (the first pipeline stage): the default spec of each
// preset, a training step (unrolled layers) once the zoo builds one.
import { programStats } from '../src/core/ir/index.ts';
import { buildModel } from '../src/core/models/index.ts';
import { formatCount, formatInt } from '../src/cli/format.ts';
import { bench } from './bench.ts';

const build = (spec: string) =>
  bench({
    name: `buildModel('${spec}')`,
    run: () => buildModel(spec),
    describe: (p) => {
      const s = programStats(p);
      const kind = p.meta.training ? 'training step' : 'forward only';
      return `${kind}, ${formatInt(s.ops)} ops, ${formatCount(s.params)} params`;
    },
  });

export default [build('gpt2-small'), build('llama2-7b'), build('gpt3-175b')];
