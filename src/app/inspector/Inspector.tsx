/// <reference types="vite/client" />
// The inspection pane: what the worker's `inspect` says about the current selection (a group,
// op, value or collective): shapes global and per device, the sharding in the axis colours, the
// op's factor rule and cost, and why each axis is there. Values and ops named in it are links
// that select them in turn.
import './inspector.css';
import { useEffect, useState } from 'react';
import { axisColor } from '../../core/view/axis-colors.ts';
import type {
  AxisWhy,
  CollectiveInspection,
  Inspection,
  ValueInspection,
} from '../../core/view/types.ts';
import { formatBytes, formatFlops, formatInt, formatSeconds } from '../format.ts';
import { useWorkbench } from '../state/store.ts';

export function Inspector(): React.JSX.Element {
  const selected = useWorkbench((s) => s.workspace.view.selected);
  const run = useWorkbench((s) => s.result.run);
  const [ins, setIns] = useState<Inspection | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!selected || !run) {
      setIns(null);
      setError(null);
      return;
    }
    let live = true;
    useWorkbench
      .getState()
      .inspect(selected)
      .then((i) => {
        if (!live) return;
        setIns(i);
        setError(null);
      })
      .catch((e: Error) => {
        if (!live) return;
        setIns(null);
        setError(e.message);
      });
    return () => {
      live = false;
    };
  }, [selected, run]);
  const axes = run?.axes.map((a) => a.name) ?? [];
  return (
    <section className="inspector" data-testid="inspector" aria-label="Inspector">
      <h2 className="insp-heading">Inspector</h2>
      {!selected && (
        <p className="insp-hint">
          Click a node of the graph, a collective in the timeline or a device of the mesh to see its
          shapes, sharding and why.
        </p>
      )}
      {error && (
        <p className="insp-error" role="alert">
          {error}
        </p>
      )}
      {ins && <InspectionView ins={ins} axes={axes} />}
    </section>
  );
}

function InspectionView({ ins, axes }: { ins: Inspection; axes: readonly string[] }) {
  return (
    <div data-testid="inspection" data-kind={ins.target.kind}>
      <div className="insp-title" data-testid="inspector-title">
        {ins.title}
        {ins.phase && <span className={`insp-phase phase-${ins.phase}`}>{ins.phase}</span>}
      </div>
      {ins.scope && <div className="insp-scope">{ins.scope}</div>}
      <dl className="insp-facts">
        {ins.ops !== undefined && ins.target.kind === 'group' && (
          <Fact k="ops" v={formatInt(ins.ops)} />
        )}
        {ins.flops !== undefined && <Fact k="FLOPs (global)" v={formatFlops(ins.flops)} />}
        {ins.bytes !== undefined && <Fact k="bytes moved" v={formatBytes(ins.bytes)} />}
        {ins.timeS !== undefined && (
          <Fact k="time per device" v={`${formatSeconds(ins.timeS)} (${ins.bound}-bound)`} />
        )}
      </dl>
      {ins.rule && (
        <div className="insp-section">
          <h3>Factor rule</h3>
          <code className="insp-rule" data-testid="inspector-rule">
            {ins.rule}
          </code>
        </div>
      )}
      {ins.kinds && ins.kinds.length > 0 && (
        <div className="insp-section">
          <h3>Op kinds</h3>
          <div className="insp-kinds">
            {ins.kinds.slice(0, 10).map((k) => (
              <span key={k.kind} className="insp-kind">
                {k.kind} ×{k.count}
              </span>
            ))}
          </div>
        </div>
      )}
      {ins.collective && (
        <div className="insp-section">
          <h3>Collective</h3>
          <CollectiveRow c={ins.collective} axes={axes} />
        </div>
      )}
      {ins.value && <ValueCard v={ins.value} axes={axes} title="Value" />}
      {ins.results?.map((v, i) => (
        <ValueCard key={`r${i}`} v={v} axes={axes} title={`Result ${i}`} />
      ))}
      {ins.operands?.map((v, i) => (
        <ValueCard key={`o${i}`} v={v} axes={axes} title={`Operand ${i}`} />
      ))}
      {ins.collectives && ins.collectives.length > 0 && (
        <div className="insp-section">
          <h3>Collectives inserted here</h3>
          {ins.collectives.map((c) => (
            <CollectiveRow key={c.index} c={c} axes={axes} link />
          ))}
        </div>
      )}
      {ins.conflicts && ins.conflicts.length > 0 && (
        <div className="insp-section">
          <h3>Conflicts (propagation stopped)</h3>
          {ins.conflicts.map((c, i) => (
            <p key={i} className="insp-conflict" data-testid="inspector-conflict">
              ⚠ <OpLink id={c.op} text={`op #${c.op}`} /> factor {c.factor}: {c.message}
            </p>
          ))}
        </div>
      )}
    </div>
  );
}

function Fact({ k, v }: { k: string; v: string }) {
  return (
    <>
      <dt>{k}</dt>
      <dd>{v}</dd>
    </>
  );
}

function Axes({ axes, all }: { axes: readonly string[]; all: readonly string[] }) {
  return (
    <>
      {axes.map((a) => (
        <span key={a} className="insp-axis" style={{ background: axisColor(a, all) }}>
          {a}
        </span>
      ))}
    </>
  );
}

function OpLink({ id, text }: { id: number; text: string }) {
  return (
    <button
      className="insp-link"
      onClick={() => useWorkbench.getState().select({ kind: 'op', id })}
    >
      {text}
    </button>
  );
}

function ValueCard({
  v,
  axes,
  title,
}: {
  v: ValueInspection;
  axes: readonly string[];
  title: string;
}) {
  return (
    <div className="insp-section insp-value" data-testid="inspector-value">
      <h3>
        {title}:{' '}
        <button
          className="insp-link"
          onClick={() => useWorkbench.getState().select({ kind: 'value', id: v.id })}
        >
          {v.name || `%${v.id}`}
        </button>
        {v.role && <span className="insp-role">{v.role}</span>}
      </h3>
      <dl className="insp-facts">
        <Fact k="global" v={`${v.dtype}[${v.shape.join(', ')}] · ${formatBytes(v.bytes)}`} />
        <dt>per device</dt>
        <dd data-testid="inspector-local-shape">
          {v.dtype}[{v.localShape.join(', ')}] · {formatBytes(v.localBytes)}
        </dd>
        <dt>sharding</dt>
        <dd data-testid="inspector-sharding">
          [
          {v.dims.map((d, i) => (
            <span key={i} className="insp-dim">
              {i > 0 && ', '}
              {'{'}
              <Axes axes={d} all={axes} />
              {'}'}
            </span>
          ))}
          ]
          {v.partial.length > 0 && (
            <>
              {' '}
              partial <Axes axes={v.partial} all={axes} />
            </>
          )}
          {v.replicated.length > 0 && (
            <>
              {' '}
              replicated <Axes axes={v.replicated} all={axes} />
            </>
          )}
        </dd>
      </dl>
      {(v.def || (v.users && v.users.length > 0)) && (
        <p className="insp-links" data-testid="inspector-neighbours">
          {v.def && (
            <>
              made by <OpLink id={v.def.op} text={`${v.def.kind} #${v.def.op}`} />
              {v.users && v.users.length > 0 && ' · '}
            </>
          )}
          {v.users && v.users.length > 0 && (
            <>
              read by{' '}
              {v.users.map((u, i) => (
                <span key={u.op}>
                  {i > 0 && ', '}
                  <OpLink id={u.op} text={`${u.kind} #${u.op}`} />
                </span>
              ))}
              {(v.userCount ?? 0) > v.users.length && ` and ${v.userCount! - v.users.length} more`}
            </>
          )}
        </p>
      )}
      {v.why.length > 0 && (
        <ul className="insp-why" data-testid="inspector-why">
          {v.why.map((w, i) => (
            <WhyLine key={i} w={w} axes={axes} />
          ))}
        </ul>
      )}
    </div>
  );
}

function WhyLine({ w, axes }: { w: AxisWhy; axes: readonly string[] }) {
  return (
    <li>
      <Axes axes={[w.axis]} all={axes} /> on {w.place} ← <b>{w.tacticText}</b>
      {w.tactic >= 0 && <span className="insp-muted"> (step {w.tactic + 1})</span>}: {w.seed}
      {w.path.length > 0 && (
        <span className="insp-muted">
          {' '}
          via{' '}
          {w.path.map((p, i) => (
            <span key={i}>
              {i > 0 && ' ‹ '}
              <OpLink id={p.op} text={`${p.kind} #${p.op}`} />
            </span>
          ))}
        </span>
      )}
    </li>
  );
}

function CollectiveRow({
  c,
  axes,
  link,
}: {
  c: CollectiveInspection;
  axes: readonly string[];
  link?: boolean;
}) {
  const select = () => useWorkbench.getState().select({ kind: 'collective', index: c.index });
  return (
    <div className="insp-coll" data-testid="inspector-collective">
      {link ? (
        <button className="insp-link" onClick={select}>
          {c.kind}
        </button>
      ) : (
        <b>{c.kind}</b>
      )}{' '}
      over <Axes axes={c.axes} all={axes} /> · {c.dtype}[{c.shape.join(', ')}] ·{' '}
      {formatBytes(c.bytes)}
      {c.tripCount > 1 && ` ×${c.tripCount}`}
      <div className="insp-reason">{c.reason}</div>
    </div>
  );
}
