// The device mesh as text and as editable axes, the hardware and the topology. Axis names show
// in their colours (UI-B's axisColor), the same as in the graph, the mesh view and the charts.
import { useState } from 'react';
import { HARDWARE } from '../../core/mesh/hardware.ts';
import { parseMesh } from '../../core/mesh/mesh.ts';
import { axisColor } from '../../core/view/axis-colors.ts';
import { meshAxes, useWorkbench } from '../state/store.ts';

interface AxisRow {
  name: string;
  size: string;
}

function rowsOf(mesh: string): AxisRow[] {
  return mesh
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const [name, size] = p.split('=');
      return { name: (name ?? '').trim(), size: (size ?? '').trim() };
    });
}

const meshOf = (rows: readonly AxisRow[]) => rows.map((r) => `${r.name}=${r.size}`).join(',');

export function MeshPanel() {
  const ws = useWorkbench((s) => s.workspace);
  const setMesh = useWorkbench((s) => s.setMesh);
  const setHardware = useWorkbench((s) => s.setHardware);
  const setTopology = useWorkbench((s) => s.setTopology);
  const err = useWorkbench((s) => s.result.error);
  const [draftError, setDraftError] = useState<string | null>(null);
  const rows = rowsOf(ws.mesh);
  const axes = meshAxes(ws.mesh);

  const tryMesh = (text: string) => {
    try {
      parseMesh(text);
      setDraftError(null);
      setMesh(text);
    } catch (e) {
      setDraftError((e as Error).message);
    }
  };
  const editRow = (i: number, patch: Partial<AxisRow>) =>
    tryMesh(meshOf(rows.map((r, k) => (k === i ? { ...r, ...patch } : r))));

  return (
    <section className="panel" aria-labelledby="mesh-h">
      <h2 id="mesh-h">Mesh and hardware</h2>
      <label className="field">
        <span>Mesh</span>
        <input
          data-testid="mesh-input"
          key={ws.mesh}
          defaultValue={ws.mesh}
          spellCheck={false}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          onBlur={(e) =>
            e.currentTarget.value.trim() !== ws.mesh && tryMesh(e.currentTarget.value.trim())
          }
        />
      </label>
      <ul className="axis-rows">
        {rows.map((r, i) => (
          <li key={`${i}:${ws.mesh}`}>
            <span className="swatch" style={{ background: axisColor(r.name, axes) }} />
            <input
              aria-label={`axis ${i + 1} name`}
              defaultValue={r.name}
              onBlur={(e) =>
                e.currentTarget.value !== r.name &&
                editRow(i, { name: e.currentTarget.value.trim() })
              }
            />
            <input
              aria-label={`axis ${i + 1} size`}
              className="num"
              defaultValue={r.size}
              inputMode="numeric"
              onBlur={(e) =>
                e.currentTarget.value !== r.size &&
                editRow(i, { size: e.currentTarget.value.trim() })
              }
            />
            <button
              className="icon"
              title="Remove this axis"
              disabled={rows.length <= 1}
              onClick={() => tryMesh(meshOf(rows.filter((_, k) => k !== i)))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <button
        className="small"
        onClick={() => {
          const names = ['data', 'model', 'seq', 'expert', 'pipe', 'fsdp'];
          const name = names.find((n) => !axes.includes(n)) ?? `axis${axes.length}`;
          tryMesh(meshOf([...rows, { name, size: '2' }]));
        }}
      >
        + axis
      </button>
      {(draftError || err?.place === 'mesh') && (
        <p className="error" role="alert" data-testid="mesh-error">
          {draftError ?? err?.message}
        </p>
      )}
      <label className="field">
        <span>Hardware</span>
        <select
          data-testid="hardware"
          value={ws.hardware in HARDWARE ? ws.hardware : '__custom'}
          onChange={(e) => e.target.value !== '__custom' && setHardware(e.target.value)}
        >
          {Object.values(HARDWARE).map((h) => (
            <option key={h.name} value={h.name}>
              {h.name}
            </option>
          ))}
          {!(ws.hardware in HARDWARE) && <option value="__custom">{ws.hardware}</option>}
        </select>
      </label>
      {err?.place === 'hardware' && (
        <p className="error" role="alert">
          {err.message}
        </p>
      )}
      <label className="field">
        <span>Topology</span>
        <input
          data-testid="topology"
          key={ws.topology ?? ''}
          placeholder="default · e.g. model=nvlink,data=ib"
          defaultValue={ws.topology ?? ''}
          spellCheck={false}
          onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
          onBlur={(e) => {
            const v = e.currentTarget.value.trim();
            if (v !== (ws.topology ?? '')) setTopology(v === '' ? null : v);
          }}
        />
      </label>
      {err?.place === 'topology' && (
        <p className="error" role="alert" data-testid="topology-error">
          {err.message}
        </p>
      )}
    </section>
  );
}
