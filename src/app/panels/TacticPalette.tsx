// The tactic palette: the named tactics from their definitions' documentation data, plus tile
// and replicate, and the automatic partitioner. Items are HTML5 drag sources (contract with the graph and the mesh view:
// `application/x-shardlab-tactic` carrying `{ tactic }`); a click adds the tactic to the whole
// model, a keyboard alternative to dragging.
import { TACTIC_LIBRARY } from '../../core/tactics/library/index.ts';
import { NAMED_TACTICS } from '../../core/tactics/tactic.ts';
import { useWorkbench, type DropTacticName } from '../state/store.ts';

export const TACTIC_MIME = 'application/x-shardlab-tactic';

interface PaletteItem {
  readonly tactic: DropTacticName;
  readonly title: string;
  readonly summary: string;
}

export const PALETTE: readonly PaletteItem[] = [
  ...NAMED_TACTICS.map((n) => ({
    tactic: n,
    title: TACTIC_LIBRARY[n].title,
    summary: TACTIC_LIBRARY[n].summary,
  })),
  {
    tactic: 'tile',
    title: 'Tile',
    summary: 'Split one dimension of the values dropped on (drop on a value of the graph).',
  },
  {
    tactic: 'replicate',
    title: 'Replicate',
    summary: 'Keep the values dropped on whole on the axis (stops later tactics splitting them).',
  },
  {
    tactic: 'AUTO',
    title: 'Automatic',
    summary:
      'Search the axes the schedule leaves free (or the axis dropped on) for the fastest strategy that fits; apply it as steps.',
  },
];

/** Reads a palette drag's payload; null for anything else (a file, text, a foreign drag). */
export function readTacticDrag(dt: DataTransfer): { tactic: DropTacticName } | null {
  const raw = dt.getData(TACTIC_MIME);
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { tactic?: unknown };
    return PALETTE.some((p) => p.tactic === v.tactic)
      ? { tactic: v.tactic as DropTacticName }
      : null;
  } catch {
    return null;
  }
}

export function TacticPalette() {
  const dropTactic = useWorkbench((s) => s.dropTactic);
  return (
    <section className="panel" aria-labelledby="tactics-h">
      <h2 id="tactics-h">Tactics</h2>
      <p className="hint">
        Drag onto the graph, a mesh axis or the schedule; click to apply to the whole model.
      </p>
      <ul className="palette">
        {PALETTE.map((p) => (
          <li key={p.tactic}>
            <button
              className="tactic-chip"
              data-testid={`palette-${p.tactic}`}
              draggable
              title={`${p.title}: ${p.summary}`}
              onDragStart={(e) => {
                e.dataTransfer.setData(TACTIC_MIME, JSON.stringify({ tactic: p.tactic }));
                e.dataTransfer.setData('text/plain', p.tactic);
                e.dataTransfer.effectAllowed = 'copy';
              }}
              onClick={() =>
                p.tactic === 'tile' || p.tactic === 'replicate'
                  ? useWorkbench.getState().say(`Drop ${p.title} on a value of the graph.`)
                  : dropTactic({ tactic: p.tactic })
              }
            >
              <b>{p.tactic}</b>
              <span>{p.title}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
