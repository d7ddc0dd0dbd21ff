/** The dataflow graph (React Flow). Placeholder until the store (src/app/state/store.ts) lands. */
export function GraphView(): React.JSX.Element {
  return (
    <section className="graph-view" data-testid="graph-view">
      <p>Graph loading…</p>
    </section>
  );
}
