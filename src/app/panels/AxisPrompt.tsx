// The small popover that asks which mesh axis a dropped tactic uses, listing the axes in their
// colours with the last one used pre-selected (Enter takes it, Escape cancels).
import { useEffect, useRef } from 'react';
import { axisColor } from '../../core/view/axis-colors.ts';
import { meshAxes, useWorkbench } from '../state/store.ts';

export function AxisPrompt() {
  const drop = useWorkbench((s) => s.pendingDrop);
  const mesh = useWorkbench((s) => s.workspace.mesh);
  const last = useWorkbench((s) => s.lastAxis);
  const resolve = useWorkbench((s) => s.resolveDrop);
  const cancel = useWorkbench((s) => s.cancelDrop);
  const first = useRef<HTMLButtonElement>(null);
  const axes = meshAxes(mesh);
  const preselected = last !== null && axes.includes(last) ? last : axes[0];
  useEffect(() => {
    if (drop) first.current?.focus();
  }, [drop]);
  if (!drop) return null;
  const where = drop.scope
    ? `on ${drop.scope.replace(/^g:[a-z]+:/, '') || 'the whole model'}`
    : drop.value !== undefined
      ? `on value %${drop.value}`
      : 'on the whole model';
  return (
    <div className="overlay" onClick={cancel}>
      <div
        className="popover"
        role="dialog"
        aria-label="Choose a mesh axis"
        data-testid="axis-prompt"
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && cancel()}
      >
        <p>
          <b>{drop.tactic}</b> {where}: on which mesh axis?
        </p>
        <div className="axis-options">
          {axes.map((a) => (
            <button
              key={a}
              ref={a === preselected ? first : undefined}
              data-testid={`axis-option-${a}`}
              className={`axis-chip${a === preselected ? ' preselected' : ''}`}
              style={{ borderColor: axisColor(a, axes), color: axisColor(a, axes) }}
              onClick={() => void resolve(a)}
            >
              {a}
            </button>
          ))}
        </div>
        <button className="small ghost" onClick={cancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
