// The workbench's entry: restore the workspace (share link, then local storage, then the
// default), start the engine worker, keep the workspace, render.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { engineClient, startEngine } from './state/engine-link.ts';
import { keepWorkspace, restoreWorkspace } from './state/persist.ts';
import { useWorkbench } from './state/store.ts';
import './style.css';

const restored = restoreWorkspace(location.hash, safeStorage());
const store = useWorkbench.getState();
store.load(restored.workspace);
for (const m of restored.messages) store.say(m);
// a link is read once: the workspace now lives in local storage, and a reload keeps edits
const clearHash = () => history.replaceState(null, '', location.pathname + location.search);
if (location.hash) clearHash();
// a link pasted into an open workbench: its state replaces the workspace (undo brings it back)
addEventListener('hashchange', () => {
  const r = restoreWorkspace(location.hash, null);
  const s = useWorkbench.getState();
  for (const m of r.messages) s.say(m);
  if (r.from === 'link') s.commit(r.workspace);
  if (location.hash) clearHash();
});

startEngine();
const storage = safeStorage();
if (storage) keepWorkspace(storage);

// the store for the console and the browser benchmark (bench/workbench-ui.ts); the crash hook
// for the end-to-end tests, in development builds only
Object.assign(window, {
  __shardlab: {
    store: useWorkbench,
    ...(import.meta.env.DEV ? { crashWorker: () => engineClient()?.crashWorker() } : {}),
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
