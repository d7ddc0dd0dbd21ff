// The graph's node kinds: a group (collapsed, or open as a container of its children), an op,
// and the summary of the ops an open group leaves out. Colours: a band per dim in the colour of
// the axes splitting it; phases by tint and border style (see the legend).
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { axisColor } from '../../core/view/axis-colors.ts';
import type { GraphNode } from '../../core/view/types.ts';
import { formatBytes, formatFlops, formatInt } from '../format.ts';
import { useWorkbench } from '../state/store.ts';
import { useTacticDrop } from './tactic-drop.ts';

export interface NodeData extends Record<string, unknown> {
  readonly node: GraphNode;
  readonly axes: readonly string[];
  readonly selected: boolean;
}

export type FlowNode = Node<NodeData>;

function Badges({ n }: { n: GraphNode }) {
  const kinds = Object.entries(n.collectives);
  const total = kinds.reduce((s, [, c]) => s + c, 0);
  return (
    <span className="badges">
      {total > 0 && (
        <span
          className="badge badge-coll"
          data-testid="badge-collectives"
          title={kinds.map(([k, c]) => `${k} ×${c}`).join(', ')}
        >
          ⇄ {total}
        </span>
      )}
      {n.conflicts > 0 && (
        <span
          className="badge badge-conflict"
          data-testid="badge-conflicts"
          title={`${n.conflicts} place(s) where propagation stopped on a conflict`}
        >
          ⚠ {n.conflicts}
        </span>
      )}
    </span>
  );
}

function AxisChips({ axes, all }: { axes: readonly string[]; all: readonly string[] }) {
  if (!axes.length) return <span className="axis-none">replicated</span>;
  return (
    <span className="axis-chips">
      {axes.map((a) => (
        <span key={a} className="axis-chip" style={{ background: axisColor(a, all) }}>
          {a}
        </span>
      ))}
    </span>
  );
}

/** One band per dim: the colours of its axes side by side, grey when the dim is whole. */
function DimBands({ n, all }: { n: GraphNode; all: readonly string[] }) {
  const dims = n.dims ?? [];
  return (
    <span className="dim-bands" title={dimsTitle(n)}>
      {dims.map((axes, d) => (
        <span key={d} className="dim-band">
          {axes.length === 0 ? (
            <span className="dim-seg dim-whole" />
          ) : (
            axes.map((a) => (
              <span key={a} className="dim-seg" style={{ background: axisColor(a, all) }} />
            ))
          )}
        </span>
      ))}
      {(n.partial ?? []).map((a) => (
        <span key={`p${a}`} className="partial-chip" style={{ borderColor: axisColor(a, all) }}>
          Σ{a}
        </span>
      ))}
    </span>
  );
}

function dimsTitle(n: GraphNode): string {
  const shape = n.shape ?? [];
  const dims = (n.dims ?? []).map(
    (axes, d) => `${shape[d]}${axes.length ? `/{${axes.join(',')}}` : ''}`,
  );
  return `[${dims.join(', ')}]${n.partial?.length ? ` partial over ${n.partial.join(',')}` : ''}`;
}

function classes(n: GraphNode, selected: boolean, over: boolean, extra: string): string {
  return [
    'gnode',
    extra,
    `phase-${n.phase}`,
    n.match ? 'match' : '',
    selected ? 'selected' : '',
    over ? 'drop-over' : '',
  ]
    .filter(Boolean)
    .join(' ');
}

export function GroupNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node;
  const drop = useTacticDrop((tactic) =>
    useWorkbench.getState().dropTactic({ tactic, scope: n.scope }),
  );
  const toggle = () => useWorkbench.getState().toggleGroup(n.id);
  return (
    <div
      className={classes(n, data.selected, drop.over, n.expanded ? 'group open' : 'group')}
      data-testid="graph-node"
      data-node-id={n.id}
      data-kind="group"
      title={`${n.scope || 'whole model'} (${n.phase}) · ${formatInt(n.ops)} ops · ${formatFlops(n.flops)} · ${formatBytes(n.bytes)} moved${n.expandable ? ' · double-click to open or close' : ''}`}
      {...drop.props}
    >
      <Handle type="target" position={Position.Left} />
      <div className="gnode-head">
        {n.expandable && (
          <button
            className="chevron"
            data-testid="group-toggle"
            aria-label={n.expanded ? `collapse ${n.label}` : `expand ${n.label}`}
            onClick={(e) => {
              e.stopPropagation();
              toggle();
            }}
          >
            {n.expanded ? '▾' : '▸'}
          </button>
        )}
        <span className="gnode-label">{n.label}</span>
        <Badges n={n} />
      </div>
      {!n.expanded && (
        <div className="gnode-body">
          <span className="gnode-stats">
            {formatInt(n.ops)} ops · {formatFlops(n.flops)}
          </span>
          <AxisChips axes={n.axes} all={data.axes} />
        </div>
      )}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export function OpNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node;
  const drop = useTacticDrop((tactic) =>
    useWorkbench.getState().dropTactic({
      tactic,
      scope: n.scope,
      ...(n.value !== undefined && (tactic === 'tile' || tactic === 'replicate')
        ? { value: n.value }
        : {}),
    }),
  );
  return (
    <div
      className={classes(n, data.selected, drop.over, 'op')}
      data-testid="graph-node"
      data-node-id={n.id}
      data-kind="op"
      title={`${n.label} · ${formatFlops(n.flops)} · ${formatBytes(n.bytes)}`}
      {...drop.props}
    >
      <Handle type="target" position={Position.Left} />
      <div className="gnode-head">
        <span className="gnode-label">{n.label}</span>
        <Badges n={n} />
      </div>
      <div className="gnode-body">
        <span className="gnode-shape">[{(n.shape ?? []).join('×')}]</span>
        <DimBands n={n} all={data.axes} />
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

export function MoreNodeView({ data }: NodeProps<FlowNode>) {
  const n = data.node;
  return (
    <div className={classes(n, false, false, 'more')} data-testid="graph-node" data-node-id={n.id}>
      <Handle type="target" position={Position.Left} />
      {n.label}
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

// own names: React Flow has a built-in 'group' type
export const NODE_TYPES = {
  sgroup: memo(GroupNodeView),
  sop: memo(OpNodeView),
  smore: memo(MoreNodeView),
};
