// Global keyboard shortcuts. Keys typed into a field belong to the field.
import { useWorkbench } from './store.ts';

export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

export function installShortcuts(toggleHelp: () => void, closeAll: () => void): () => void {
  const onKey = (e: KeyboardEvent) => {
    const s = useWorkbench.getState();
    const mod = e.ctrlKey || e.metaKey;
    if (e.key === 'Escape') {
      s.cancelDrop();
      closeAll();
      return;
    }
    if (mod && e.key.toLowerCase() === 'z') {
      if (isTyping(e.target)) return;
      e.preventDefault();
      if (e.shiftKey) s.redo();
      else s.undo();
      return;
    }
    if (mod && e.key.toLowerCase() === 'y') {
      if (isTyping(e.target)) return;
      e.preventDefault();
      s.redo();
      return;
    }
    if (mod || e.altKey || isTyping(e.target)) return;
    if (e.key === '/') {
      const search = document.querySelector<HTMLInputElement>(
        '[data-shortcut="search"], input[type="search"]',
      );
      if (search) {
        e.preventDefault();
        search.focus();
      }
    } else if (e.key === '?') toggleHelp();
    else if (e.key === 'ArrowLeft' && s.workspace.schedule.length) s.stepAfter(-1);
    else if (e.key === 'ArrowRight' && s.workspace.schedule.length) s.stepAfter(+1);
  };
  addEventListener('keydown', onKey);
  return () => removeEventListener('keydown', onKey);
}
