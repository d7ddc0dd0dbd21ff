import { beforeEach, describe, expect, it } from 'vitest';
import { attachEngine, DEFAULT_WORKSPACE, scopePattern, useWorkbench } from './store.ts';

const st = () => useWorkbench.getState();
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  useWorkbench.setState({
    workspace: DEFAULT_WORKSPACE,
    past: [],
    future: [],
    pendingDrop: null,
    lastAxis: null,
    messages: [],
  });
  attachEngine({
    graph: () => Promise.reject(new Error('no graph in this test')),
    inspect: () => Promise.reject(new Error('no inspect in this test')),
    value: (id) =>
      Promise.resolve(
        id === 7
          ? { id, name: 'layers/0/mlp/wi', scope: 'layers/0/mlp', shape: [8, 32] }
          : id === 8
            ? { id, name: '', scope: 'layers/0/mlp', shape: [8, 32] }
            : null,
      ),
  });
});

describe('workbench store', () => {
  it('undoes and redoes schedule edits in order, and a new edit clears the redo list', () => {
    st().addStep({ tactic: 'BP', axis: 'data' });
    st().addStep({ tactic: 'MP', axis: 'model' });
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['BP', 'MP']);
    st().undo();
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['BP']);
    st().undo();
    expect(st().workspace.schedule).toEqual([]);
    st().undo(); // nothing left: no-op
    st().redo();
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['BP']);
    st().addStep({ tactic: 'Z1', axis: 'data' });
    expect(st().future).toEqual([]);
    st().redo();
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['BP', 'Z1']);
  });

  it('keeps view changes out of the history and keeps the view through undo', () => {
    st().setMesh('data=8');
    st().select({ kind: 'op', id: 3 });
    st().toggleGroup('layers/0');
    expect(st().past).toHaveLength(1);
    st().undo();
    expect(st().workspace.mesh).toBe(DEFAULT_WORKSPACE.mesh);
    expect(st().workspace.view.selected).toEqual({ kind: 'op', id: 3 });
    expect(st().workspace.view.expanded).toEqual(['layers/0']);
    st().toggleGroup('layers/0');
    expect(st().workspace.view.expanded).toEqual([]);
  });

  it('reorders, toggles and deletes steps', () => {
    st().setSchedule([
      { tactic: 'BP', axis: 'data' },
      { tactic: 'MP', axis: 'model' },
      { tactic: 'Z3', axis: 'data' },
    ]);
    st().moveStep(2, 0);
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['Z3', 'BP', 'MP']);
    st().moveStep(0, 5); // out of range: unchanged
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['Z3', 'BP', 'MP']);
    st().toggleStep(1);
    expect(st().workspace.schedule[1]).toEqual({ tactic: 'BP', axis: 'data', enabled: false });
    st().toggleStep(1);
    expect(st().workspace.schedule[1]).toEqual({ tactic: 'BP', axis: 'data' });
    st().setAfter(3);
    st().removeStep(0);
    expect(st().workspace.schedule.map((t) => t.tactic)).toEqual(['BP', 'MP']);
    expect(st().workspace.after).toBe(2); // clamped to the shorter schedule
  });

  it('steps through the schedule and back to "all"', () => {
    st().setSchedule([
      { tactic: 'BP', axis: 'data' },
      { tactic: 'MP', axis: 'model' },
    ]);
    st().stepAfter(-1);
    expect(st().workspace.after).toBe(1);
    st().stepAfter(-5);
    expect(st().workspace.after).toBe(0);
    st().stepAfter(+2);
    expect(st().workspace.after).toBeNull();
  });

  it('asks for the axis when a drop has none, then adds the scoped step', async () => {
    st().dropTactic({ tactic: 'MP', scope: 'layers/1' });
    expect(st().pendingDrop).toEqual({ tactic: 'MP', scope: 'layers/1' });
    expect(st().workspace.schedule).toEqual([]);
    await st().resolveDrop('model');
    expect(st().pendingDrop).toBeNull();
    expect(st().lastAxis).toBe('model');
    expect(st().workspace.schedule).toEqual([
      { tactic: 'MP', axis: 'model', scope: '^layers/1(/|$)' },
    ]);
    expect(new RegExp(scopePattern('layers/1')).test('layers/1/attn')).toBe(true);
    expect(new RegExp(scopePattern('layers/1')).test('layers/10/attn')).toBe(false);
  });

  it('adds a drop on a mesh axis at once, and on a value as a tile of that value', async () => {
    st().dropTactic({ tactic: 'BP', axis: 'data' });
    await flush();
    expect(st().workspace.schedule).toEqual([{ tactic: 'BP', axis: 'data' }]);
    st().dropTactic({ tactic: 'tile', value: 7, dim: 1 });
    await st().resolveDrop('model');
    expect(st().workspace.schedule[1]).toEqual({
      tactic: 'tile',
      axis: 'model',
      dim: 1,
      select: { name: '^layers/0/mlp/wi$', scope: '^layers/0/mlp$' },
    });
    st().dropTactic({ tactic: 'replicate', value: 99 });
    await st().resolveDrop('data');
    expect(st().workspace.schedule).toHaveLength(2);
    expect(st().messages.at(-1)?.text).toMatch(/value %99 is not in the current program/);
    // an unnamed value, or a tile dropped on a whole group, is refused with a reason
    st().dropTactic({ tactic: 'tile', value: 8 });
    await st().resolveDrop('data');
    expect(st().messages.at(-1)?.text).toMatch(/%8 has no name/);
    st().dropTactic({ tactic: 'tile', scope: 'layers/0' });
    await st().resolveDrop('data');
    expect(st().messages.at(-1)?.text).toMatch(/drop it on an op or value/);
    // replicate on a group keeps that subgraph whole
    st().dropTactic({ tactic: 'replicate', scope: 'g:forward:layers/0' });
    await st().resolveDrop('data');
    expect(st().workspace.schedule.at(-1)).toEqual({
      tactic: 'replicate',
      axis: 'data',
      select: { scope: '^layers/0(/|$)' },
    });
  });
});
