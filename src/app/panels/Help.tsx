// The keyboard shortcuts, as a list the `?` key opens.
export const SHORTCUTS: readonly [keys: string, what: string][] = [
  ['Ctrl+Z', 'undo'],
  ['Ctrl+Shift+Z / Ctrl+Y', 'redo'],
  ['/', 'focus the graph search'],
  ['← / →', 'step through the schedule: after tactic k−1 / k+1'],
  ['Del (on a step)', 'delete the step'],
  ['Alt+↑ / Alt+↓ (on a step)', 'move the step'],
  ['Esc', 'close a dialog, cancel a drop'],
  ['?', 'this help'],
];

export function Help(props: { onClose(): void }) {
  return (
    <div className="overlay" onClick={props.onClose}>
      <div
        className="popover help"
        role="dialog"
        aria-label="Keyboard shortcuts"
        data-testid="help"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <dl>
          {SHORTCUTS.map(([k, w]) => (
            <div key={k}>
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{w}</dd>
            </div>
          ))}
        </dl>
        <button className="small" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
