/// <reference types="vite/client" />
// The device mesh (d3): devices laid out by mesh axes (src/core/view/mesh-layout.ts), the physical
// topology on top (NVLink nodes / TPU pods as boxes, torus and ring links in the axis colours,
// wraparounds as arcs), each device filled by its peak memory against capacity. Hover or click a
// device for its memory breakdown and traffic per axis. The axis chips take tactic drops.
import './mesh.css';
import * as d3 from 'd3';
import { useEffect, useMemo, useRef, useState } from 'react';
import { hardwareByName } from '../../core/mesh/hardware.ts';
import { meshDeviceCount, parseMesh } from '../../core/mesh/mesh.ts';
import { defaultTopology, parseTopology, type Topology } from '../../core/mesh/topology.ts';
import { axisColor } from '../../core/view/axis-colors.ts';
import { meshLayout, type MeshLayout } from '../../core/view/mesh-layout.ts';
import { formatBytes, formatPercent } from '../format.ts';
import { useTacticDrop } from '../graph/tactic-drop.ts';
import { MEMORY_PARTS } from '../results/MemoryChart.tsx';
import { useWorkbench } from '../state/store.ts';
import type { RunResult } from '../../worker/protocol.ts';

const MAX_CELL = 34;
const MIN_CELL = 3;
const DRAW_WIDTH = 260;
const MARGIN = { top: 22, left: 22, right: 14, bottom: 14 };

interface Physical {
  readonly layout: MeshLayout;
  readonly topology: Topology | null;
  readonly devices: number;
}

/** The mesh and its topology from the workspace's strings; an error message when they do not parse. */
function usePhysical(): Physical | { error: string } {
  const mesh = useWorkbench((s) => s.workspace.mesh);
  const hardware = useWorkbench((s) => s.workspace.hardware);
  const topology = useWorkbench((s) => s.workspace.topology);
  return useMemo(() => {
    try {
      const m = parseMesh(mesh);
      let topo: Topology | null = null;
      try {
        const hw = hardwareByName(hardware);
        topo = topology?.trim() ? parseTopology(topology, m, hw) : defaultTopology(m, hw);
      } catch {
        topo = null; // the run reports the hardware/topology error beside its input
      }
      return {
        layout: meshLayout(m, topo ?? undefined),
        topology: topo,
        devices: meshDeviceCount(m),
      };
    } catch (e) {
      return { error: (e as Error).message };
    }
  }, [mesh, hardware, topology]);
}

export function MeshView(): React.JSX.Element {
  const phys = usePhysical();
  const run = useWorkbench((s) => s.result.run);
  // the last device hovered stays shown (leaving the grid does not blank the details, and the
  // pane keeps its height), until a click pins one
  const [hover, setHover] = useState<number | null>(null);
  const [pinned, setPinned] = useState<number | null>(null);
  const shown = pinned ?? hover;
  if ('error' in phys)
    return (
      <section className="mesh-view" data-testid="mesh-view">
        <h2 className="mesh-heading">Device mesh</h2>
        <p className="mesh-error">{phys.error}</p>
      </section>
    );
  const axes = phys.layout.axes.map((a) => a.name);
  return (
    <section className="mesh-view" data-testid="mesh-view" aria-label="Device mesh">
      <h2 className="mesh-heading">
        Device mesh · {phys.devices} × {phys.topology?.hardware.name ?? '?'}
      </h2>
      <div className="mesh-axes">
        {phys.layout.axes.map((a) => (
          <AxisChip key={a.name} axis={a.name} axes={axes} size={a.size} info={linkText(a)} />
        ))}
      </div>
      <MeshSvg
        layout={phys.layout}
        run={run}
        selected={shown}
        onHover={setHover}
        onClick={(d) => setPinned((p) => (p === d ? null : d))}
      />
      <div className="mesh-info-slot">
        <DeviceInfo device={shown} layout={phys.layout} run={run} devices={phys.devices} />
      </div>
    </section>
  );
}

/** How an axis is drawn and on what it runs: `columns · nvlink switch`. */
function linkText(a: MeshLayout['axes'][number]): string {
  const where = a.role === 'column' ? 'columns' : a.role === 'row' ? 'rows' : 'panels';
  if (!a.link) return where;
  const shape = a.shape === 'torus' ? (a.wraparound ? 'torus' : 'line') : a.shape;
  return `${where} · ${a.link} ${shape}`;
}

function AxisChip(props: { axis: string; axes: readonly string[]; size: number; info: string }) {
  const { axis, axes, size, info } = props;
  const drop = useTacticDrop((tactic) => useWorkbench.getState().dropTactic({ tactic, axis }));
  return (
    <span
      className={`mesh-axis-chip${drop.over ? ' drop-over' : ''}`}
      data-testid="mesh-axis-chip"
      data-axis={axis}
      style={{ borderColor: axisColor(axis, axes) }}
      title={`Drop a tactic here to apply it along '${axis}'`}
      {...drop.props}
    >
      <span className="mesh-axis-swatch" style={{ background: axisColor(axis, axes) }} />
      <b>{axis}</b>={size}
      {info && <span className="mesh-axis-link"> · {info}</span>}
    </span>
  );
}

/** Fill of a device: its peak memory as a fraction of HBM; red beyond capacity. */
function memoryFill(bytes: number | undefined, hbm: number): string {
  if (bytes === undefined || !hbm) return '#eef0f3';
  const f = bytes / hbm;
  if (f > 1) return '#e15759';
  return d3.interpolateBlues(0.12 + 0.7 * f);
}

function MeshSvg(props: {
  layout: MeshLayout;
  run: RunResult | null;
  selected: number | null;
  onHover: (d: number) => void;
  onClick: (d: number) => void;
}) {
  const { layout, run, selected, onHover, onClick } = props;
  const ref = useRef<SVGSVGElement>(null);
  const cell = Math.max(
    MIN_CELL,
    Math.min(MAX_CELL, Math.floor(DRAW_WIDTH / Math.max(1, layout.width))),
  );
  const width = layout.width * cell + MARGIN.left + MARGIN.right;
  const height =
    layout.height * cell + MARGIN.top + MARGIN.bottom + (layout.panels.length ? 12 : 0);
  const panelPad = layout.panels.length ? 12 : 0;
  const axes = useMemo(() => layout.axes.map((a) => a.name), [layout]);
  const handlers = useRef({ onHover, onClick });
  handlers.current = { onHover, onClick };

  useEffect(() => {
    const svg = d3.select(ref.current!);
    svg.selectAll('*').remove();
    const g = svg
      .append('g')
      .attr('transform', `translate(${MARGIN.left},${MARGIN.top + panelPad})`);
    // the gap between devices shrinks with them, so a 4096-chip pod still shows every chip
    const inset = Math.min(1.5, cell * 0.12);
    const cx = (d: number) => (layout.cells[d].x + 0.5) * cell;
    const cy = (d: number) => (layout.cells[d].y + 0.5) * cell;
    const col = layout.axes.find((a) => a.role === 'column');
    const row = layout.axes.find((a) => a.role === 'row');
    // axis directions, in their colours
    if (col)
      svg
        .append('text')
        .attr('x', MARGIN.left)
        .attr('y', 12)
        .attr('class', 'mesh-dir')
        .attr('fill', axisColor(col.name, axes))
        .text(`${col.name} →`);
    if (row)
      svg
        .append('text')
        .attr('transform', `translate(12,${MARGIN.top + panelPad}) rotate(90)`)
        .attr('class', 'mesh-dir')
        .attr('fill', axisColor(row.name, axes))
        .text(`${row.name} →`);
    // panel labels need the gap between panels to be readable
    g.selectAll('text.mesh-panel')
      .data(cell >= 10 ? layout.panels : [])
      .join('text')
      .attr('class', 'mesh-panel')
      .attr('x', (p) => p.x * cell)
      .attr('y', (p) => p.y * cell - 3)
      .text((p) => p.label);
    g.selectAll('rect.mesh-domain')
      .data(layout.domains)
      .join('rect')
      .attr('class', 'mesh-domain')
      .attr('x', (r) => r.x * cell - 2)
      .attr('y', (r) => r.y * cell - 2)
      .attr('width', (r) => r.w * cell + 4)
      .attr('height', (r) => r.h * cell + 4)
      .attr('rx', 4)
      .append('title')
      .text((r) => r.label);
    g.selectAll('rect.mesh-device')
      .data(layout.cells)
      .join('rect')
      .attr('class', 'mesh-device')
      .attr('data-testid', 'mesh-device')
      .attr('data-device', (c) => c.device)
      .attr('x', (c) => c.x * cell + inset)
      .attr('y', (c) => c.y * cell + inset)
      .attr('width', cell - 2 * inset)
      .attr('height', cell - 2 * inset)
      .style('stroke-width', cell < 6 ? '0' : '')
      .attr('rx', Math.min(3, cell / 6))
      .on('mouseenter', (_, c) => handlers.current.onHover(c.device))
      .on('click', (_, c) => handlers.current.onClick(c.device));
    // links over the devices, so the torus reads as a torus
    const arc = (a: number, b: number) => {
      const [x1, y1, x2, y2] = [cx(a), cy(a), cx(b), cy(b)];
      const horizontal = y1 === y2;
      const bend = cell * 0.55;
      return horizontal
        ? `M${x1},${y1 - cell / 2} C${x1},${y1 - cell / 2 - bend} ${x2},${y2 - cell / 2 - bend} ${x2},${y2 - cell / 2}`
        : `M${x1 - cell / 2},${y1} C${x1 - cell / 2 - bend},${y1} ${x2 - cell / 2 - bend},${y2} ${x2 - cell / 2},${y2}`;
    };
    if (cell >= 8)
      g.selectAll('path.mesh-link')
        .data(layout.links)
        .join('path')
        .attr('class', (l) => `mesh-link${l.wrap ? ' wrap' : ''}`)
        .attr('stroke', (l) => axisColor(l.axis, axes))
        .attr('d', (l) =>
          l.wrap ? arc(l.from, l.to) : `M${cx(l.from)},${cy(l.from)} L${cx(l.to)},${cy(l.to)}`,
        );
    if (cell >= 24)
      g.selectAll('text.mesh-label')
        .data(layout.cells)
        .join('text')
        .attr('class', 'mesh-label')
        .attr('x', (c) => (c.x + 0.5) * cell)
        .attr('y', (c) => (c.y + 0.5) * cell + 3)
        .text((c) => c.device);
  }, [layout, cell, panelPad, axes]);

  // a new run or selection restyles the devices in place: redrawing them under the pointer would
  // lose the hover
  useEffect(() => {
    const hbm = run?.report.hbmBytes ?? 0;
    d3.select(ref.current!)
      .selectAll<SVGRectElement, { device: number }>('rect.mesh-device')
      .attr('fill', (c) => memoryFill(run?.perDevice[c.device], hbm))
      .classed('selected', (c) => c.device === selected);
  }, [selected, layout, run, cell]);

  if (!layout.cells.length)
    return (
      <p className="mesh-error">{layout.axes.length} axes: too many devices to draw one by one.</p>
    );
  return (
    <svg
      ref={ref}
      className="mesh-svg"
      data-testid="mesh-svg"
      viewBox={`0 0 ${width} ${height}`}
      style={{ width: '100%', maxWidth: width }}
    />
  );
}

/** Memory and traffic of one device (SPMD: every device sends the same per axis). */
function DeviceInfo(props: {
  device: number | null;
  layout: MeshLayout;
  run: RunResult | null;
  devices: number;
}) {
  const { device, layout, run, devices } = props;
  if (device === null || device >= devices)
    return <p className="mesh-hint">Hover a device for its memory and traffic; click to pin it.</p>;
  const axes = layout.axes.map((a) => a.name);
  const coords = layout.cells[device]?.coords ?? [];
  const r = run?.report;
  const peak = run?.perDevice[device];
  const traffic = new Map<string, number>();
  for (const row of r?.comm ?? []) traffic.set(row.axis, (traffic.get(row.axis) ?? 0) + row.bytes);
  const b = r?.memoryBreakdown;
  // the memory chart's parts and colours, so a kind of memory looks the same everywhere
  const parts = b ? MEMORY_PARTS.map((p) => ({ ...p, bytes: b[p.key] })) : [];
  const total = parts.reduce((s, p) => s + p.bytes, 0) || 1;
  return (
    <div className="mesh-device-info" data-testid="mesh-device-info">
      <div className="mesh-device-title">
        Device {device}{' '}
        {coords.map((c, i) => (
          <span key={i} className="mesh-coord" style={{ background: axisColor(axes[i], axes) }}>
            {axes[i]}={c}
          </span>
        ))}
      </div>
      {!r && <p className="mesh-hint">No simulation yet.</p>}
      {r && (
        <>
          <div data-testid="mesh-device-memory">
            Peak memory <b>{peak === undefined ? '?' : formatBytes(peak)}</b> of{' '}
            {formatBytes(r.hbmBytes)}
            {peak !== undefined && r.hbmBytes > 0 && ` (${formatPercent(peak / r.hbmBytes)})`}
            {peak !== undefined && peak > r.hbmBytes && <b className="mesh-over"> does not fit</b>}
          </div>
          <div className="mesh-bar" title="What is live at the peak">
            {parts.map((p) => (
              <span
                key={p.key}
                style={{ width: `${(100 * p.bytes) / total}%`, background: p.color }}
              />
            ))}
          </div>
          <ul className="mesh-breakdown">
            {parts
              .filter((p) => p.bytes > 0)
              .map((p) => (
                <li key={p.key}>
                  <span className="mesh-key" style={{ background: p.color }} /> {p.label}{' '}
                  {formatBytes(p.bytes)}
                </li>
              ))}
          </ul>
          <div className="mesh-traffic" data-testid="mesh-device-traffic">
            Sent per step:{' '}
            {traffic.size === 0
              ? 'nothing'
              : [...traffic].map(([axis, bytes]) => (
                  <span key={axis} className="mesh-traffic-row">
                    {axis.split(',').map((a) => (
                      <span
                        key={a}
                        className="mesh-coord"
                        style={{ background: axisColor(a, axes) }}
                      >
                        {a}
                      </span>
                    ))}{' '}
                    {formatBytes(bytes)}
                  </span>
                ))}
          </div>
        </>
      )}
    </div>
  );
}
