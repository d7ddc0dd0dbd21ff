// Where the workspace comes from at load and where it is kept: a share link in the URL fragment
// wins, then local storage, then the default. Both are untrusted: a bad one is reported and
// the page starts from the default.
import {
  decodeShareFragment,
  shareFragment,
  validateSharedState,
} from '../../core/io/share-link.ts';
import { DEFAULT_WORKSPACE, useWorkbench, type Workspace } from './store.ts';

export const STORAGE_KEY = 'shardlab.workspace';

export interface Restored {
  readonly workspace: Workspace;
  readonly from: 'link' | 'storage' | 'default';
  readonly messages: string[];
}

export function restoreWorkspace(hash: string, storage: Storage | null): Restored {
  const messages: string[] = [];
  try {
    const linked = decodeShareFragment(hash);
    if (linked) return { workspace: linked as Workspace, from: 'link', messages };
  } catch (e) {
    messages.push(
      `This share link could not be opened: ${(e as Error).message}. The page shows the default workspace instead.`,
    );
    return { workspace: DEFAULT_WORKSPACE, from: 'default', messages };
  }
  const stored = storage?.getItem(STORAGE_KEY);
  if (stored) {
    try {
      const ws = validateSharedState(JSON.parse(stored), 'the saved workspace') as Workspace;
      return { workspace: ws, from: 'storage', messages };
    } catch (e) {
      messages.push(`The saved workspace was ignored: ${(e as Error).message}`);
      storage?.removeItem(STORAGE_KEY);
    }
  }
  return { workspace: DEFAULT_WORKSPACE, from: 'default', messages };
}

/** Saves the workspace to local storage, at most every `delayMs`. */
export function keepWorkspace(storage: Storage, delayMs = 300): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    timer = undefined;
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(useWorkbench.getState().workspace));
    } catch {
      // full or disabled storage: the workspace still lives in the page and in share links
    }
  };
  const unsubscribe = useWorkbench.subscribe((s, prev) => {
    if (s.workspace === prev.workspace) return;
    if (timer === undefined) timer = setTimeout(save, delayMs);
  });
  addEventListener('pagehide', () => timer !== undefined && save());
  return unsubscribe;
}

/** The full share URL of the current workspace. */
export function shareUrl(ws: Workspace, base: string): string {
  return base.replace(/#.*$/, '') + shareFragment(ws);
}
