// The schedule: one row per tactic, in order. Rows reorder by drag (or the ↑/↓ buttons), toggle,
// edit their axis and scope or selector, and delete; the slider steps through "after tactic k".
// The list itself takes palette drops (the whole model), beside the graph and the mesh axes.
import { useState, type DragEvent } from 'react';
import { axisColor } from '../../core/view/axis-colors.ts';
import { tacticToString, type Tactic } from '../../core/tactics/tactic.ts';
import { meshAxes, useWorkbench } from '../state/store.ts';
import { readTacticDrag, TACTIC_MIME } from './TacticPalette.tsx';

const STEP_MIME = 'application/x-shardlab-step';

export function ScheduleEditor() {
  const schedule = useWorkbench((s) => s.workspace.schedule);
  const after = useWorkbench((s) => s.workspace.after);
  const mesh = useWorkbench((s) => s.workspace.mesh);
  const steps = useWorkbench((s) => s.result.run?.steps);
  const err = useWorkbench((s) => (s.result.error?.place === 'schedule' ? s.result.error : null));
  const { moveStep, setAfter, dropTactic } = useWorkbench.getState();
  const [over, setOver] = useState<number | 'list' | null>(null);
  const axes = meshAxes(mesh);
  const n = schedule.length;
  const shown = after ?? n;

  const onDrop = (e: DragEvent, at: number | null) => {
    e.preventDefault();
    setOver(null);
    const from = e.dataTransfer.getData(STEP_MIME);
    if (from !== '') {
      if (at !== null) moveStep(Number(from), at);
      return;
    }
    const t = readTacticDrag(e.dataTransfer);
    if (t) dropTactic({ tactic: t.tactic });
  };
  const accepts = (e: DragEvent) =>
    e.dataTransfer.types.includes(STEP_MIME) || e.dataTransfer.types.includes(TACTIC_MIME);

  return (
    <section className="panel schedule" aria-labelledby="schedule-h">
      <h2 id="schedule-h">
        Schedule <span className="muted">{n ? `${n} step${n > 1 ? 's' : ''}` : ''}</span>
      </h2>
      <ol
        className={`steps${over === 'list' ? ' drop-over' : ''}`}
        data-testid="schedule"
        onDragOver={(e) => {
          if (!accepts(e)) return;
          e.preventDefault();
          if (over === null) setOver('list');
        }}
        onDragLeave={() => setOver(null)}
        onDrop={(e) => onDrop(e, null)}
      >
        {schedule.map((t, i) => (
          <StepRow
            key={i}
            t={t}
            i={i}
            n={n}
            axes={axes}
            active={i < shown}
            over={over === i}
            error={err?.tacticIndex === i ? err.message : undefined}
            info={steps?.[i]}
            onDragOverRow={(e) => {
              if (!e.dataTransfer.types.includes(STEP_MIME)) return;
              e.preventDefault();
              e.stopPropagation();
              setOver(i);
            }}
            onDropRow={(e) => {
              e.stopPropagation();
              onDrop(e, i);
            }}
          />
        ))}
        <li className="drop-hint" data-testid="schedule-dropzone">
          {n ? 'Drop a tactic here to append it' : 'Drop a tactic here (or on the graph) to start'}
        </li>
      </ol>
      {err && err.tacticIndex === undefined && (
        <p className="error" role="alert" data-testid="schedule-error">
          {err.message}
        </p>
      )}
      {n > 0 && (
        <label className="field step-through">
          <span>
            After tactic <b data-testid="after-value">{shown}</b> of {n}
          </span>
          <input
            type="range"
            data-testid="step-through"
            min={0}
            max={n}
            value={shown}
            onChange={(e) => {
              const k = Number(e.target.value);
              setAfter(k === n ? null : k);
            }}
          />
        </label>
      )}
    </section>
  );
}

function StepRow(props: {
  t: Tactic;
  i: number;
  n: number;
  axes: readonly string[];
  active: boolean;
  over: boolean;
  error?: string;
  info?: { seeds: number; conflicts: number };
  onDragOverRow(e: DragEvent): void;
  onDropRow(e: DragEvent): void;
}) {
  const { t, i, n, axes, active, over, error, info } = props;
  const { updateStep, removeStep, moveStep, toggleStep } = useWorkbench.getState();
  const enabled = t.enabled !== false;
  const color = axisColor(t.axis, axes);
  const set = (patch: Partial<Tactic>) => updateStep(i, { ...t, ...patch } as Tactic);
  return (
    <li
      className={`step${enabled ? '' : ' disabled'}${active ? '' : ' after-cut'}${over ? ' drop-over' : ''}${error ? ' has-error' : ''}`}
      data-testid={`step-${i}`}
      data-tactic={t.tactic}
      tabIndex={0}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(STEP_MIME, String(i));
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={props.onDragOverRow}
      onDrop={props.onDropRow}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Delete' || e.key === 'Backspace') removeStep(i);
        else if (e.key === 'ArrowUp' && e.altKey) moveStep(i, i - 1);
        else if (e.key === 'ArrowDown' && e.altKey) moveStep(i, i + 1);
      }}
      title={tacticToString(t)}
    >
      <span className="grip" aria-hidden>
        ⋮⋮
      </span>
      <input
        type="checkbox"
        checked={enabled}
        aria-label={`enable step ${i + 1}`}
        data-testid={`step-${i}-toggle`}
        onChange={() => toggleStep(i)}
      />
      <b className="step-name" style={{ borderColor: color }}>
        {t.tactic}
      </b>
      <select
        aria-label={`axis of step ${i + 1}`}
        data-testid={`step-${i}-axis`}
        value={t.axis}
        style={{ color }}
        onChange={(e) => set({ axis: e.target.value })}
      >
        {!axes.includes(t.axis) && <option value={t.axis}>{t.axis} (not on the mesh)</option>}
        {axes.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
      {t.tactic === 'tile' || t.tactic === 'replicate' ? (
        <span className="selector">
          <input
            aria-label={`name pattern of step ${i + 1}`}
            placeholder="name regex"
            defaultValue={t.select.name ?? ''}
            onBlur={(e) => {
              const v = e.currentTarget.value;
              if (v !== (t.select.name ?? ''))
                set({ select: { ...t.select, name: v || undefined } } as Partial<Tactic>);
            }}
          />
          {t.tactic === 'tile' && (
            <input
              className="num dim"
              aria-label={`dim of step ${i + 1}`}
              defaultValue={t.dim}
              inputMode="numeric"
              onBlur={(e) => {
                const d = Number(e.currentTarget.value);
                if (Number.isInteger(d) && d >= 0 && d !== t.dim)
                  set({ dim: d } as Partial<Tactic>);
              }}
            />
          )}
        </span>
      ) : (
        <span className="selector">
          <input
            aria-label={`scope of step ${i + 1}`}
            placeholder="whole model, or a scope regex"
            defaultValue={t.scope ?? ''}
            onBlur={(e) => {
              const v = e.currentTarget.value.trim();
              if (v !== (t.scope ?? '')) {
                const { scope: _, ...rest } = t;
                updateStep(i, (v ? { ...rest, scope: v } : rest) as Tactic);
              }
            }}
          />
        </span>
      )}
      <span className="step-actions">
        <button
          className="icon"
          title="Move up"
          disabled={i === 0}
          onClick={() => moveStep(i, i - 1)}
          data-testid={`step-${i}-up`}
        >
          ↑
        </button>
        <button
          className="icon"
          title="Move down"
          disabled={i === n - 1}
          onClick={() => moveStep(i, i + 1)}
          data-testid={`step-${i}-down`}
        >
          ↓
        </button>
        <button
          className="icon danger"
          title="Delete (Del)"
          onClick={() => removeStep(i)}
          data-testid={`step-${i}-delete`}
        >
          ×
        </button>
      </span>
      {info && enabled && (
        <span className="step-info muted">
          {info.seeds} seed{info.seeds === 1 ? '' : 's'}
          {info.conflicts ? <span className="warn"> · {info.conflicts} conflicts</span> : null}
        </span>
      )}
      {error && <span className="error step-error">{error}</span>}
      {!enabled && <span className="muted step-info">off</span>}
    </li>
  );
}
