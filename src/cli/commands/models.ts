import { listPresets } from '../../core/models/index.ts';
import { defineCommand } from '../command.ts';
import { formatCount, formatTable } from '../format.ts';

export const models = defineCommand({
  name: 'models',
  summary: 'list the model presets with their parameter counts',
  description:
    'Lists the built-in model presets. "params" is counted from the built program;\n' +
    '"published" is the figure the model\'s authors give. A terminal cuts descriptions to fit;\n' +
    '--json prints them whole.',
  options: {
    json: { type: 'boolean', description: 'print a JSON array instead of a table' },
  },
  examples: ['shardlab models', 'shardlab models --json'],
  run({ options }, io) {
    const presets = listPresets();
    if (options.json) {
      const rows = presets.map(({ name, family, params, publishedParams, description }) => ({
        name,
        family,
        params,
        publishedParams,
        description,
      }));
      io.out(JSON.stringify(rows, null, 2));
      return 0;
    }
    io.out(
      formatTable(
        presets,
        [
          { header: 'name', value: (p) => p.name },
          { header: 'family', value: (p) => p.family },
          { header: 'params', value: (p) => formatCount(p.params), align: 'right' },
          { header: 'published', value: (p) => formatCount(p.publishedParams), align: 'right' },
          { header: 'description', value: (p) => p.description },
        ],
        io.columns,
      ),
    );
    return 0;
  },
});
