// The workbench's single store (zustand). The ground state is `workspace`: what the user chose,
// what a share link and local storage keep. `result` is derived: the worker's latest run. Every
// workspace change that matters to the engine goes through `commit`, which records undo history;
// view changes (expand, select, search) do not.
import { create } from 'zustand';
import type { NamedTacticName, Tactic } from '../../core/tactics/tactic.ts';
import type {
  AutoOutcome,
  AutoProgress,
  AutoRequest,
  AutoSummary,
  GraphRequest,
  GraphView,
  InspectTarget,
  Inspection,
  ModelSource,
  Progress,
  RunError,
  RunRequest,
  RunResult,
  ValueBrief,
} from '../../worker/protocol.ts';

/** What is selected: whatever the inspector can explain (a group, op, value or collective). */
export type Selection = InspectTarget;

export interface ViewState {
  readonly expanded: readonly string[];
  readonly selected: Selection | null;
  readonly search: string;
}

/** The ground state: what a run depends on (RunRequest), plus the view. */
export interface Workspace extends RunRequest {
  readonly version: 1;
  readonly view: ViewState;
}

export const DEFAULT_WORKSPACE: Workspace = {
  version: 1,
  model: { kind: 'preset', spec: 'gpt2-small:layers=4,batch=16' },
  mesh: 'data=4,model=2',
  hardware: 'h100-80gb',
  topology: null,
  schedule: [],
  after: null,
  view: { expanded: [], selected: null, search: '' },
};

export type DropTacticName = NamedTacticName | 'tile' | 'replicate' | 'AUTO';

/** A tactic dropped on the graph (scope: a group id, i.e. a scope path; '' is the whole model),
 *  on a value (tile/replicate), or on a mesh axis. */
export interface TacticDrop {
  readonly tactic: DropTacticName;
  readonly scope?: string;
  readonly axis?: string;
  readonly value?: number;
  readonly dim?: number;
}

export interface ResultState {
  readonly run: RunResult | null;
  /** The shown result belongs to an older workspace (a run is pending or failed). */
  readonly stale: boolean;
  readonly progress: Progress | null;
  readonly error: RunError | null;
  /** A worker crash or cancel, said once to the user. */
  readonly notice: string | null;
  /** Counts the results received (views and benchmarks watch it change). */
  readonly seq: number;
  /** The user cancelled the run of the current workspace: the shown result is older. */
  readonly cancelled?: boolean;
  /** Counts the moments the worker's view context changed without a result yet (a newly built
   *  program, before its schedule is applied): the graph may ask for its view then. */
  readonly contextSeq?: number;
}

/** What the store needs from the engine (client.ts provides it; tests pass a fake). */
export interface EngineBridge {
  graph(req: GraphRequest): Promise<GraphView>;
  inspect(target: InspectTarget): Promise<Inspection>;
  value(id: number): Promise<ValueBrief | null>;
  auto?(
    req: RunRequest,
    opts: AutoRequest,
    onProgress: (p: AutoProgress) => void,
  ): Promise<AutoOutcome | null>;
  cancelAuto?(): void;
}

/** The automatic partitioner's panel: idle, searching (with progress), or a result to apply. */
export interface AutoState {
  readonly running: boolean;
  readonly axes?: readonly string[];
  readonly progress: AutoProgress | null;
  readonly result: AutoSummary | null;
  readonly error: string | null;
}

/** Seconds the automatic partitioner searches when started from the page. */
export const AUTO_TIME_LIMIT_S = 5;

/** The part of a workspace the engine runs. */
export function runRequestOf(ws: Workspace): RunRequest {
  return {
    model: ws.model,
    mesh: ws.mesh,
    hardware: ws.hardware,
    topology: ws.topology,
    schedule: ws.schedule,
    after: ws.after,
  };
}

export interface PinnedRun {
  readonly label: string;
  readonly workspace: Workspace;
  readonly run: RunResult;
}

export interface WorkbenchState {
  readonly workspace: Workspace;
  readonly result: ResultState;
  readonly past: readonly Workspace[];
  readonly future: readonly Workspace[];
  /** A drop waiting for the user to pick a mesh axis (the axis popover). */
  readonly pendingDrop: TacticDrop | null;
  readonly lastAxis: string | null;
  readonly pinned: PinnedRun | null;
  /** The automatic partitioner's run, if one was started. */
  readonly auto: AutoState | null;
  /** Messages for the user (bad link, bad stored state, import errors); newest last. */
  readonly messages: readonly { readonly id: number; readonly text: string }[];

  /** Replaces the workspace, recording undo history (no-op when nothing changed). */
  commit(next: Workspace): void;
  /** Replaces the workspace without history (link, storage, import). */
  load(ws: Workspace): void;
  undo(): void;
  redo(): void;

  select(sel: Selection | null): void;
  toggleGroup(id: string): void;
  setExpanded(ids: readonly string[]): void;
  setSearch(s: string): void;

  setModel(model: ModelSource): void;
  setMesh(mesh: string): void;
  setHardware(hw: string): void;
  setTopology(topo: string | null): void;
  setAfter(after: number | null): void;
  stepAfter(delta: number): void;

  dropTactic(drop: TacticDrop): void;
  resolveDrop(axis: string): Promise<void>;
  cancelDrop(): void;
  addStep(t: Tactic, at?: number): void;
  updateStep(i: number, t: Tactic): void;
  removeStep(i: number): void;
  moveStep(from: number, to: number): void;
  toggleStep(i: number): void;
  setSchedule(s: readonly Tactic[]): void;

  /** Runs the automatic partitioner after the current schedule (on `axes`, default all free). */
  startAuto(axes?: readonly string[]): Promise<void>;
  cancelAuto(): void;
  /** Puts the automatic partitioner's schedule in the editor. */
  applyAuto(): void;
  dismissAuto(): void;

  pin(label?: string): void;
  unpin(): void;

  setRunning(progress: Progress | null): void;
  /** A run's outcome; `stale` when it was computed for an older workspace. */
  setResult(
    outcome: { ok: true; result: RunResult } | { ok: false; error: RunError },
    stale?: boolean,
  ): void;
  setNotice(notice: string | null): void;
  setCancelled(): void;
  say(text: string): void;
  dismiss(id: number): void;

  /** Engine calls for UI-B's views (reject when no engine is attached). */
  graph(req: GraphRequest): Promise<GraphView>;
  inspect(target: InspectTarget): Promise<Inspection>;
}

let engine: EngineBridge | null = null;
/** Connects the store to the engine worker (main.tsx) or a fake (tests). */
export function attachEngine(e: EngineBridge | null): void {
  engine = e;
}

const HISTORY_LIMIT = 200;
let messageId = 0;

/** The mesh axes of a mesh string, or [] when it does not parse (the run reports the error). */
export function meshAxes(mesh: string): string[] {
  return mesh
    .split(',')
    .map((p) => p.split('=')[0].trim())
    .filter((a) => a.length > 0);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression matching a scope path and everything under it. */
export function scopePattern(scope: string): string {
  return `^${escapeRegex(scope)}(/|$)`;
}

function sameEngineInput(a: Workspace, b: Workspace): boolean {
  return (
    JSON.stringify([a.model, a.mesh, a.hardware, a.topology, a.schedule, a.after]) ===
    JSON.stringify([b.model, b.mesh, b.hardware, b.topology, b.schedule, b.after])
  );
}

/** Builds the schedule step for a drop once the axis is known. */
export async function stepForDrop(
  drop: TacticDrop,
  axis: string,
  valueOf: (id: number) => Promise<ValueBrief | null>,
): Promise<Tactic> {
  // a graph group id (`g:<phase>:<scope>`) stands for its scope
  const path = drop.scope?.startsWith('g:') ? drop.scope.split(':').slice(2).join(':') : drop.scope;
  const scope = path ? scopePattern(path) : undefined;
  if (drop.tactic === 'tile' || drop.tactic === 'replicate') {
    let select: { name?: string; scope?: string } = scope ? { scope } : {};
    if (drop.value !== undefined) {
      const v = await valueOf(drop.value);
      if (!v) throw new Error(`value %${drop.value} is not in the current program`);
      // an unnamed value cannot be selected alone: '^$' would match every unnamed value
      if (!v.name)
        throw new Error(
          `value %${v.id} has no name, and tile/replicate select values by name; drop it on a named value`,
        );
      select = { name: `^${escapeRegex(v.name)}$`, scope: `^${escapeRegex(v.scope)}$` };
    } else if (drop.tactic === 'tile')
      throw new Error('tile splits one value: drop it on an op or value of the graph');
    if (drop.tactic === 'replicate') return { tactic: 'replicate', axis, select };
    return { tactic: 'tile', axis, dim: drop.dim ?? 0, select };
  }
  if (drop.tactic === 'AUTO') throw new Error('the automatic partitioner is not a schedule step');
  return scope === undefined ? { tactic: drop.tactic, axis } : { tactic: drop.tactic, axis, scope };
}

/** The step enabled (the key dropped, as schedules store it) or disabled. */
export function withEnabled(t: Tactic, enabled: boolean): Tactic {
  const { enabled: _, ...rest } = t;
  return (enabled ? rest : { ...rest, enabled: false }) as Tactic;
}

function clampAfter(after: number | null, n: number): number | null {
  if (after === null) return null;
  return Math.max(0, Math.min(after, n));
}

export const useWorkbench = create<WorkbenchState>()((set, get) => {
  const edit = (f: (ws: Workspace) => Workspace) => get().commit(f(get().workspace));
  const editSchedule = (f: (s: Tactic[]) => Tactic[]) =>
    edit((ws) => {
      const schedule = f([...ws.schedule]);
      return { ...ws, schedule, after: clampAfter(ws.after, schedule.length) };
    });
  const editView = (f: (v: ViewState) => ViewState) =>
    set((s) => ({ workspace: { ...s.workspace, view: f(s.workspace.view) } }));
  const needEngine = () => {
    if (!engine) throw new Error('the engine is not running');
    return engine;
  };

  return {
    workspace: DEFAULT_WORKSPACE,
    result: { run: null, stale: true, progress: null, error: null, notice: null, seq: 0 },
    past: [],
    future: [],
    pendingDrop: null,
    lastAxis: null,
    pinned: null,
    messages: [],
    auto: null,

    commit(next) {
      const cur = get().workspace;
      if (sameEngineInput(cur, next)) {
        set({ workspace: next });
        return;
      }
      set((s) => ({
        workspace: next,
        past: [...s.past, cur].slice(-HISTORY_LIMIT),
        future: [],
        result: { ...s.result, stale: true, cancelled: false },
      }));
    },
    load(ws) {
      set((s) => ({ workspace: ws, result: { ...s.result, stale: true, cancelled: false } }));
    },
    undo() {
      const { past, workspace, future } = get();
      if (!past.length) return;
      const prev = past[past.length - 1];
      set((s) => ({
        workspace: { ...prev, view: workspace.view },
        past: past.slice(0, -1),
        future: [workspace, ...future],
        result: { ...s.result, stale: true },
      }));
    },
    redo() {
      const { past, workspace, future } = get();
      if (!future.length) return;
      set((s) => ({
        workspace: { ...future[0], view: workspace.view },
        past: [...past, workspace],
        future: future.slice(1),
        result: { ...s.result, stale: true },
      }));
    },

    select: (selected) => editView((v) => ({ ...v, selected })),
    toggleGroup: (id) =>
      editView((v) => ({
        ...v,
        expanded: v.expanded.includes(id)
          ? v.expanded.filter((e) => e !== id)
          : [...v.expanded, id],
      })),
    setExpanded: (ids) => editView((v) => ({ ...v, expanded: [...ids] })),
    setSearch: (search) => editView((v) => ({ ...v, search })),

    setModel: (model) =>
      edit((ws) => ({ ...ws, model, view: { ...ws.view, expanded: [], selected: null } })),
    setMesh: (mesh) => edit((ws) => ({ ...ws, mesh })),
    setHardware: (hardware) => edit((ws) => ({ ...ws, hardware })),
    setTopology: (topology) => edit((ws) => ({ ...ws, topology })),
    setAfter: (after) => edit((ws) => ({ ...ws, after: clampAfter(after, ws.schedule.length) })),
    stepAfter(delta) {
      const ws = get().workspace;
      const n = ws.schedule.length;
      const cur = ws.after ?? n;
      const next = Math.max(0, Math.min(n, cur + delta));
      get().setAfter(next === n ? null : next);
    },

    dropTactic(drop) {
      if (drop.tactic === 'AUTO') {
        void get().startAuto(drop.axis !== undefined ? [drop.axis] : undefined);
        return;
      }
      const axes = meshAxes(get().workspace.mesh);
      set({ pendingDrop: drop });
      // the axis popover only when there is a choice to make
      const axis = drop.axis ?? (axes.length === 1 ? axes[0] : undefined);
      if (axis !== undefined) void get().resolveDrop(axis);
    },
    async resolveDrop(axis) {
      const drop = get().pendingDrop;
      if (!drop) return;
      set({ pendingDrop: null, lastAxis: axis });
      try {
        const step = await stepForDrop({ ...drop, axis }, axis, (id) => needEngine().value(id));
        get().addStep(step);
      } catch (e) {
        get().say(`Could not add ${drop.tactic}: ${(e as Error).message}`);
      }
    },
    cancelDrop: () => set({ pendingDrop: null }),
    addStep: (t, at) =>
      editSchedule((s) => {
        s.splice(at ?? s.length, 0, t);
        return s;
      }),
    updateStep: (i, t) =>
      editSchedule((s) => {
        if (i >= 0 && i < s.length) s[i] = t;
        return s;
      }),
    removeStep: (i) => editSchedule((s) => s.filter((_, k) => k !== i)),
    moveStep: (from, to) =>
      editSchedule((s) => {
        if (from < 0 || from >= s.length || to < 0 || to >= s.length || from === to) return s;
        const [t] = s.splice(from, 1);
        s.splice(to, 0, t);
        return s;
      }),
    toggleStep: (i) =>
      editSchedule((s) => s.map((t, k) => (k === i ? withEnabled(t, t.enabled === false) : t))),
    setSchedule: (schedule) => editSchedule(() => [...schedule]),

    async startAuto(axes) {
      const e = needEngine();
      if (!e.auto || get().auto?.running) return;
      set({ auto: { running: true, axes, progress: null, result: null, error: null } });
      try {
        const out = await e.auto(
          runRequestOf(get().workspace),
          { timeLimitS: AUTO_TIME_LIMIT_S, ...(axes ? { axes } : {}) },
          (progress) => set((s) => (s.auto?.running ? { auto: { ...s.auto, progress } } : {})),
        );
        if (!get().auto?.running) return;
        if (out === null) set({ auto: null });
        else
          set((s) => ({
            auto: {
              ...s.auto!,
              running: false,
              result: out.ok ? out.result : null,
              error: out.ok ? null : out.error.message,
            },
          }));
      } catch (err) {
        set((s) => ({ auto: { ...s.auto!, running: false, error: (err as Error).message } }));
      }
    },
    cancelAuto() {
      set({ auto: null });
      engine?.cancelAuto?.();
    },
    applyAuto() {
      const r = get().auto?.result;
      if (!r) return;
      get().setSchedule(r.tactics);
      get().setAfter(null);
      set({ auto: null });
    },
    dismissAuto: () => set({ auto: null }),

    pin(label) {
      const run = get().result.run;
      if (!run) return;
      set({ pinned: { label: label ?? 'pinned', workspace: get().workspace, run } });
    },
    unpin: () => set({ pinned: null }),

    setRunning: (progress) =>
      set((s) => ({
        result: {
          ...s.result,
          stale: true,
          progress,
          ...(progress?.contextReady ? { contextSeq: (s.result.contextSeq ?? 0) + 1 } : {}),
        },
      })),
    setResult: (outcome, stale = false) =>
      set((s) => ({
        result: outcome.ok
          ? {
              run: outcome.result,
              stale,
              progress: stale ? s.result.progress : null,
              error: null,
              notice: s.result.notice,
              seq: s.result.seq + 1,
              cancelled: stale && s.result.cancelled,
            }
          : {
              ...s.result,
              stale: true,
              progress: null,
              error: outcome.error,
              seq: s.result.seq + 1,
            },
      })),
    setNotice: (notice) => set((s) => ({ result: { ...s.result, notice } })),
    setCancelled: () =>
      set((s) => ({ result: { ...s.result, stale: true, progress: null, cancelled: true } })),
    say: (text) => set((s) => ({ messages: [...s.messages, { id: ++messageId, text }] })),
    dismiss: (id) => set((s) => ({ messages: s.messages.filter((m) => m.id !== id) })),

    graph: (req) => needEngine().graph(req),
    inspect: (target) => needEngine().inspect(target),
  };
});
