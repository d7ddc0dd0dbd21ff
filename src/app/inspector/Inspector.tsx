/** The inspection pane for the current selection. Placeholder until the store lands. */
export function Inspector(): React.JSX.Element {
  return (
    <section className="inspector" data-testid="inspector">
      <p>Select a node of the graph to inspect it.</p>
    </section>
  );
}
