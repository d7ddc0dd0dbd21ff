// A minimal workbench page: the model presets and, for the selected one, its program statistics.
// The React UI replaces this; until then it calls the core on the main thread.
import { programStats } from '../core/ir/index.ts';
import { buildModel, listPresets } from '../core/models/index.ts';
import { formatCount } from '../cli/format.ts';
import { programSummaryRows, programTitle } from '../cli/summary.ts';

type Attrs = Record<string, string>;

function h(tag: string, attrs: Attrs = {}, ...children: (Node | string)[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  el.append(...children);
  return el;
}

function presetTable(presets: ReturnType<typeof listPresets>, onSelect: (name: string) => void) {
  const num = { class: 'num' };
  const rows = presets.map((p) => {
    const published = typeof p.publishedParams === 'number' ? formatCount(p.publishedParams) : '-';
    const row = h(
      'tr',
      { 'data-preset': p.name, 'aria-selected': 'false', tabindex: '0' },
      h('td', {}, p.name),
      h('td', {}, p.family),
      h('td', { ...num, 'data-testid': 'params' }, formatCount(p.params)),
      h('td', num, published),
      h('td', {}, p.description),
    );
    row.addEventListener('click', () => onSelect(p.name));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') onSelect(p.name);
    });
    return row;
  });
  const head = h(
    'tr',
    {},
    ...['name', 'family', 'params', 'published', 'description'].map((t) =>
      h('th', t === 'params' || t === 'published' ? num : {}, t),
    ),
  );
  return h('table', { id: 'presets' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

function showStats(panel: HTMLElement, name: string): void {
  try {
    const program = buildModel(name);
    const rows = programSummaryRows(program, programStats(program));
    const list = h(
      'dl',
      {},
      ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-label': k }, v)]),
    );
    panel.replaceChildren(h('h2', {}, programTitle(program)), list);
  } catch (e) {
    panel.replaceChildren(h('p', { class: 'error' }, `Could not build ${name}: ${String(e)}`));
  }
  panel.dataset.preset = name;
}

function start(root: HTMLElement): void {
  const presets = listPresets();
  const panel = h('section', { id: 'stats', 'aria-live': 'polite' });
  const select = (name: string) => {
    for (const row of table.querySelectorAll('tbody tr')) {
      row.setAttribute('aria-selected', String(row.getAttribute('data-preset') === name));
    }
    panel.replaceChildren(h('p', { class: 'status' }, `Building ${name}…`));
    delete panel.dataset.preset;
    // let the "Building…" line paint before the (synchronous) build of a large model
    setTimeout(() => showStats(panel, name), 0);
  };
  const table = presetTable(presets, select);
  root.replaceChildren(table, panel);
  if (presets.length) select(presets[0].name);
}

start(document.getElementById('app')!);
