/** The device mesh (d3). Placeholder until the store lands. */
export function MeshView(): React.JSX.Element {
  return (
    <section className="mesh-view" data-testid="mesh-view">
      <p>Mesh loading…</p>
    </section>
  );
}
