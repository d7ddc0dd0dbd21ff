import { describe, expect, it } from 'vitest';
import { encodeShareState } from '../../core/io/share-link.ts';
import { restoreWorkspace, STORAGE_KEY } from './persist.ts';
import { DEFAULT_WORKSPACE, type Workspace } from './store.ts';

/** A Storage in memory (Node has none). */
function memoryStorage(items: Record<string, string> = {}): Storage {
  const m = new Map(Object.entries(items));
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, v),
  };
}

const mine: Workspace = {
  ...DEFAULT_WORKSPACE,
  mesh: 'data=8',
  schedule: [{ tactic: 'BP', axis: 'data' }],
};

describe('restoreWorkspace', () => {
  it('prefers a link, then local storage, then the default', () => {
    const stored = memoryStorage({ [STORAGE_KEY]: JSON.stringify(DEFAULT_WORKSPACE) });
    const link = restoreWorkspace(`#s=${encodeShareState(mine)}`, stored);
    expect(link).toMatchObject({ from: 'link', workspace: mine, messages: [] });
    const fromStorage = restoreWorkspace(
      '',
      memoryStorage({ [STORAGE_KEY]: JSON.stringify(mine) }),
    );
    expect(fromStorage).toMatchObject({ from: 'storage', workspace: mine });
    expect(restoreWorkspace('', memoryStorage())).toMatchObject({
      from: 'default',
      workspace: DEFAULT_WORKSPACE,
    });
  });

  it('reports a bad link and shows the default, not the stored workspace', () => {
    const stored = memoryStorage({ [STORAGE_KEY]: JSON.stringify(mine) });
    const r = restoreWorkspace('#s=1.!!', stored);
    expect(r.from).toBe('default');
    expect(r.messages[0]).toMatch(/could not be opened: .*not base64url/);
  });

  it('ignores a bad stored workspace with a message and forgets it', () => {
    const storage = memoryStorage({ [STORAGE_KEY]: JSON.stringify({ ...mine, mesh: 7 }) });
    const r = restoreWorkspace('', storage);
    expect(r.from).toBe('default');
    expect(r.messages[0]).toMatch(/saved workspace was ignored: .*'mesh'/);
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
    const notJson = restoreWorkspace('', memoryStorage({ [STORAGE_KEY]: '{"version":1,' }));
    expect(notJson.messages[0]).toMatch(/saved workspace was ignored/);
  });
});
