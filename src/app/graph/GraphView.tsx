/// <reference types="vite/client" />
// The dataflow graph: the worker's graph view (src/core/view) for the expanded groups, laid out
// by elkjs in its own worker, drawn with React Flow. Groups open and close with their chevron or
// a double click (`view.expanded` in the store); a click selects for the inspector; tactics from
// the palette drop on a group, an op, or the background (the whole model).
import '@xyflow/react/dist/style.css';
import './graph.css';
import {
  Background,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  type Edge,
} from '@xyflow/react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { axisColors } from '../../core/view/axis-colors.ts';
import { MAX_NODES, type GraphNode, type GraphView as View } from '../../core/view/types.ts';
import { formatBytes } from '../format.ts';
import { useWorkbench, type Selection } from '../state/store.ts';
import { NODE_TYPES, type FlowNode } from './GraphNodes.tsx';
import type { LayoutRequest, LayoutResult } from './layout.ts';
import { layoutInWorker, warmLayout } from './layout-client.ts';
import { useTacticDrop } from './tactic-drop.ts';

const PHASE_COLORS = { forward: '#dce8f5', backward: '#f7e3d3', optimizer: '#dff0da' };

interface Drawn {
  readonly view: View;
  readonly boxes: LayoutResult;
  /** Milliseconds from the request to a laid-out graph. */
  readonly ms: number;
}

export function GraphView(): React.JSX.Element {
  useEffect(warmLayout, []);
  return (
    <ReactFlowProvider>
      <GraphCanvas />
    </ReactFlowProvider>
  );
}

function layoutRequest(v: View): LayoutRequest {
  return {
    nodes: v.nodes.map((n) => ({ id: n.id, parent: n.parent, kind: n.kind, open: n.expanded })),
    edges: v.edges.map((e) => ({ source: e.source, target: e.target })),
  };
}

function isSelected(n: GraphNode, sel: Selection | null, place: string | null): boolean {
  if (!sel) return false;
  if (sel.kind === 'group') return sel.id === n.id;
  if (sel.kind === 'op') return n.opId === sel.id;
  if (sel.kind === 'value') return n.value === sel.id;
  return n.id === place;
}

/**
 * Where a selected collective (from the timeline or the charts) sits in the drawn graph: the
 * innermost drawn group of its phase and scope.
 */
function collectivePlace(view: View, c: { scope: string; phase: string } | undefined) {
  if (!c) return null;
  const ids = new Set(view.nodes.map((n) => n.id));
  for (let s = c.scope; ; s = s.slice(0, Math.max(0, s.lastIndexOf('/')))) {
    const id = `g:${c.phase}:${s}`;
    if (ids.has(id)) return id;
    if (!s) return null;
  }
}

/** Stroke width grows with the log of the bytes: 1 px at 10 KB, 8 px from 1 TB. */
export function edgeWidth(bytes: number): number {
  return Math.max(1, Math.min(8, 1 + Math.log10(Math.max(bytes, 1) / 1e4)));
}

function useDrawnGraph() {
  const expanded = useWorkbench((s) => s.workspace.view.expanded);
  const search = useWorkbench((s) => s.workspace.view.search);
  const run = useWorkbench((s) => s.result.run);
  // a newly built program is shown before its schedule has run (the worker's early context)
  const contextSeq = useWorkbench((s) => s.result.contextSeq);
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!run && !contextSeq) return;
    let live = true;
    const t0 = performance.now();
    useWorkbench
      .getState()
      .graph({ expanded, search })
      .then(async (view) => {
        performance.mark('graph-view-received');
        const boxes = await layoutInWorker(layoutRequest(view));
        performance.mark('graph-laid-out');
        if (!live) return;
        setDrawn({ view, boxes, ms: performance.now() - t0 });
        setError(null);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [run, contextSeq, expanded, search]);
  return { drawn, error, hasRun: !!run || !!contextSeq };
}

/** Nodes added to the picture per frame: a few hundred at once would block the page. */
const CHUNK = 60;

/**
 * Which nodes of a drawing are on screen: those already on screen before it (an expand keeps
 * the rest of the picture), then the new ones a chunk per animation frame in the view's order
 * (parents before children), so no frame renders hundreds of nodes.
 */
function useProgressive(drawn: Drawn | null) {
  const onScreen = useRef<ReadonlySet<string>>(new Set());
  const [prog, setProg] = useState<{
    drawn: Drawn | null;
    limit: number;
    keep: ReadonlySet<string>;
  }>({ drawn: null, limit: 0, keep: new Set() });
  let cur = prog;
  if (prog.drawn !== drawn) {
    cur = { drawn, limit: CHUNK, keep: onScreen.current };
    setProg(cur);
  }
  const total = drawn?.view.nodes.length ?? 0;
  const complete = !!drawn && cur.limit >= total;
  const shown = useMemo(() => {
    const ids = new Set<string>();
    drawn?.view.nodes.forEach((n, i) => {
      if (i < cur.limit || cur.keep.has(n.id)) ids.add(n.id);
    });
    return ids;
  }, [drawn, cur.limit, cur.keep]);
  useEffect(() => {
    onScreen.current = shown;
    if (!drawn || complete) return;
    const id = requestAnimationFrame(() =>
      setProg((p) => (p.drawn === drawn ? { ...p, limit: p.limit + CHUNK } : p)),
    );
    return () => cancelAnimationFrame(id);
  }, [shown, drawn, complete]);
  return { shown, complete };
}

function GraphCanvas() {
  const { drawn, error, hasRun } = useDrawnGraph();
  const { shown, complete } = useProgressive(drawn);
  const selected = useWorkbench((s) => s.workspace.view.selected);
  const flow = useReactFlow();
  const firstFit = useRef(true);
  const drop = useTacticDrop((tactic) => useWorkbench.getState().dropTactic({ tactic }));
  // the drawn graph belongs to the previous run while the worker recomputes
  const stale = useWorkbench((s) => s.result.stale);

  // one FlowNode object per node and selection state, reused while they stay the same: React
  // Flow skips the nodes whose object did not change, so adding a chunk or moving the selection
  // re-renders only what changed
  const flowNodes = useRef(new Map<string, FlowNode>());
  const collectives = useWorkbench((s) => s.result.run?.collectives);
  const allNodes: FlowNode[] = useMemo(() => {
    if (!drawn) return [];
    const { view, boxes } = drawn;
    const place =
      selected?.kind === 'collective'
        ? collectivePlace(
            view,
            collectives?.find((c) => c.index === selected.index),
          )
        : null;
    const before = flowNodes.current;
    const now = new Map<string, FlowNode>();
    const out = view.nodes.map((n) => {
      const sel = isSelected(n, selected, place);
      const old = before.get(n.id);
      const b = boxes[n.id] ?? { x: 0, y: 0, width: 100, height: 40 };
      const f: FlowNode =
        old && old.data.node === n && old.data.selected === sel && old.position.x === b.x
          ? old
          : {
              id: n.id,
              type: n.kind === 'group' ? 'sgroup' : n.kind === 'op' ? 'sop' : 'smore',
              position: { x: b.x, y: b.y },
              ...(n.parent ? { parentId: n.parent } : {}),
              data: { node: n, axes: view.axes, selected: sel },
              style: { width: b.width, height: b.height },
              width: b.width,
              height: b.height,
              draggable: false,
              connectable: false,
              // containers under the edges, the edges under the nodes they join
              zIndex: n.expanded ? 0 : 2,
            };
      now.set(n.id, f);
      return f;
    });
    flowNodes.current = now;
    return out;
  }, [drawn, selected, collectives]);
  const nodes = useMemo(() => allNodes.filter((n) => shown.has(n.id)), [allNodes, shown]);

  const allEdges: Edge[] = useMemo(() => {
    if (!drawn) return [];
    const phase = new Map(drawn.view.nodes.map((n) => [n.id, n.phase]));
    return drawn.view.edges.map((e) => {
      // values saved for a later phase (activations for the backward pass, gradients for the
      // update) cross the picture: drawn faint so the flow inside each phase stays readable
      const across = phase.get(e.source) !== phase.get(e.target);
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        zIndex: 1,
        className: across ? 'edge-across' : undefined,
        style: {
          strokeWidth: across ? 1 : edgeWidth(e.bytes),
          stroke: across ? '#b8c0cc' : '#7d8898',
          opacity: across ? 0.35 : 1,
          ...(across ? { strokeDasharray: '4 4' } : {}),
        },
        ariaLabel: `${e.values} value(s), ${formatBytes(e.bytes)}`,
        // edges are drawn straight over nodes (the layout's routes are not used), so they
        // must never take a click meant for a node's chevron
        interactionWidth: 0,
        focusable: false,
      };
    });
  }, [drawn]);
  const edges = useMemo(
    () => allEdges.filter((e) => shown.has(e.source) && shown.has(e.target)),
    [allEdges, shown],
  );

  // fit the whole graph on the first drawing and after a search; after opening a group, bring
  // that group into view; otherwise keep the viewport where the user left it
  const search = useWorkbench((s) => s.workspace.view.search);
  const shownExpanded = useRef<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (!drawn || !complete) return;
    const open = new Set(drawn.view.nodes.filter((n) => n.expanded).map((n) => n.id));
    const opened = [...open].filter((id) => !shownExpanded.current.has(id));
    shownExpanded.current = open;
    // a search shows its matches (the innermost drawn ones), not the whole graph
    const hits = search
      ? drawn.view.nodes.filter((n) => n.match && !n.expanded).map((n) => ({ id: n.id }))
      : [];
    if (hits.length)
      requestAnimationFrame(
        () => void flow.fitView({ nodes: hits, padding: 0.2, maxZoom: 1.2, duration: 0 }),
      );
    else if (firstFit.current || search) {
      firstFit.current = false;
      requestAnimationFrame(() => void flow.fitView({ padding: 0.1, duration: 0 }));
    } else if (opened.length)
      requestAnimationFrame(
        () =>
          void flow.fitView({
            nodes: opened.map((id) => ({ id })),
            padding: 0.15,
            maxZoom: 1.2,
            duration: 0,
          }),
      );
    performance.mark('graph-drawn');
  }, [drawn, complete, flow, search]);

  return (
    <section
      className={`graph-view${drop.over ? ' drop-over' : ''}${stale && drawn ? ' stale' : ''}`}
      data-stale={stale ? 'true' : 'false'}
      data-testid="graph-view"
      data-ready={drawn && complete ? 'true' : 'false'}
      data-nodes={drawn?.view.nodes.length ?? 0}
      data-layout-ms={drawn ? Math.round(drawn.ms) : ''}
      {...drop.props}
    >
      <GraphToolbar view={drawn?.view ?? null} />
      {error && (
        <div className="graph-error" role="alert" data-testid="graph-error">
          {error}
        </div>
      )}
      {!drawn && !error && (
        <div className="graph-wait">
          {hasRun ? 'Laying out the graph…' : 'Waiting for the first run…'}
        </div>
      )}
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        nodesDraggable={false}
        nodesConnectable={false}
        elementsSelectable={false}
        minZoom={0.05}
        maxZoom={2}
        onlyRenderVisibleElements
        onNodeClick={(_, node) => {
          const n = (node as FlowNode).data.node;
          const sel: Selection | null =
            n.kind === 'group'
              ? { kind: 'group', id: n.id }
              : n.kind === 'op' && n.opId !== undefined
                ? { kind: 'op', id: n.opId }
                : null;
          if (sel) useWorkbench.getState().select(sel);
        }}
        onNodeDoubleClick={(_, node) => {
          const n = (node as FlowNode).data.node;
          if (n.kind === 'group' && n.expandable) useWorkbench.getState().toggleGroup(n.id);
        }}
        zoomOnDoubleClick={false}
        onPaneClick={() => useWorkbench.getState().select(null)}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} color="#e6e8ec" />
        <Controls showInteractive={false} position="top-right" />
        <MiniMap
          pannable
          zoomable
          style={{ width: 120, height: 80 }}
          nodeColor={(n) => PHASE_COLORS[(n as FlowNode).data.node.phase] ?? '#ddd'}
        />
      </ReactFlow>
      <GraphLegend axes={drawn?.view.axes ?? []} />
    </section>
  );
}

function GraphToolbar({ view }: { view: View | null }) {
  const search = useWorkbench((s) => s.workspace.view.search);
  const [text, setText] = useState(search);
  useEffect(() => setText(search), [search]);
  // the store hears the text once typing pauses: every change is a graph request
  useEffect(() => {
    if (text === search) return;
    const t = setTimeout(() => useWorkbench.getState().setSearch(text), 200);
    return () => clearTimeout(t);
  }, [text, search]);
  const hits = view ? view.nodes.filter((n) => n.match).length : 0;
  return (
    <div className="graph-toolbar">
      <input
        type="search"
        className="graph-search"
        data-shortcut="search"
        data-testid="graph-search"
        placeholder="Search scopes, ops, values…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') useWorkbench.getState().setSearch(text);
          if (e.key === 'Escape') setText('');
        }}
      />
      {search && view && (
        <span className="graph-note" data-testid="graph-hits">
          {hits} match{hits === 1 ? '' : 'es'}
        </span>
      )}
      {view && view.refused.length > 0 && (
        <span className="graph-note warn" data-testid="graph-refused">
          {view.refused.length} group(s) kept closed to stay within {MAX_NODES} nodes
        </span>
      )}
      {view && (
        <span className="graph-note">
          {view.nodes.length} nodes · {view.totalOps.toLocaleString('en-US')} ops
        </span>
      )}
      <button
        className="graph-button"
        data-testid="graph-collapse-all"
        onClick={() => useWorkbench.getState().setExpanded([])}
      >
        Collapse all
      </button>
    </div>
  );
}

function GraphLegend({ axes }: { axes: readonly string[] }) {
  return (
    <div className="graph-legend" data-testid="graph-legend">
      {axisColors(axes).map(({ axis, color }) => (
        <span key={axis} className="legend-item">
          <span className="legend-swatch" style={{ background: color }} />
          {axis}
        </span>
      ))}
      <span className="legend-item">
        <span className="legend-swatch phase-forward" /> forward
      </span>
      <span className="legend-item">
        <span className="legend-swatch phase-backward" /> backward
      </span>
      <span className="legend-item">
        <span className="legend-swatch phase-optimizer" /> optimizer
      </span>
      <span className="legend-item">⇄ collectives</span>
      <span className="legend-item">⚠ conflicts</span>
    </div>
  );
}
