// HTML5 drag and drop of tactics from the palette (contract with the palette: the payload is
// JSON `{ tactic }` under this MIME type). Drop targets show they accept while a tactic hovers.
import { useState, type DragEvent } from 'react';
import type { DropTacticName } from '../state/store.ts';

export const TACTIC_MIME = 'application/x-shardlab-tactic';

function carriesTactic(e: DragEvent): boolean {
  return Array.from(e.dataTransfer.types).includes(TACTIC_MIME);
}

/** The tactic a drop carries, or null for anything else (a file, text, a bad payload). */
export function droppedTactic(e: DragEvent): DropTacticName | null {
  try {
    const d = JSON.parse(e.dataTransfer.getData(TACTIC_MIME)) as { tactic?: unknown };
    return typeof d.tactic === 'string' ? (d.tactic as DropTacticName) : null;
  } catch {
    return null;
  }
}

/** Props for a drop target and whether a tactic hovers over it now. */
export function useTacticDrop(onTactic: (t: DropTacticName) => void) {
  const [over, setOver] = useState(false);
  return {
    over,
    props: {
      onDragOver(e: DragEvent) {
        if (!carriesTactic(e)) return;
        e.preventDefault();
        e.stopPropagation();
        e.dataTransfer.dropEffect = 'copy';
        if (!over) setOver(true);
      },
      onDragLeave(e: DragEvent) {
        if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
        setOver(false);
      },
      onDrop(e: DragEvent) {
        if (!carriesTactic(e)) return;
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        const t = droppedTactic(e);
        if (t) onTactic(t);
      },
    },
  };
}
