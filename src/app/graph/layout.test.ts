import ELK from 'elkjs/lib/elk.bundled.js';
import { describe, expect, it } from 'vitest';
import { LayoutCache, layoutGraph, NODE_SIZE, PAD, type LayoutRequest } from './layout.ts';

const elk = new ELK();
const run = (req: LayoutRequest, cache: LayoutCache) =>
  layoutGraph(req, (g) => elk.layout(g), cache);

// a phase with two layers, layer 1 open with two ops inside
const req: LayoutRequest = {
  nodes: [
    { id: 'P', parent: '', kind: 'group', open: true },
    { id: 'L0', parent: 'P', kind: 'group', open: false },
    { id: 'L1', parent: 'P', kind: 'group', open: true },
    { id: 'a', parent: 'L1', kind: 'op', open: false },
    { id: 'b', parent: 'L1', kind: 'op', open: false },
    { id: 'Q', parent: '', kind: 'group', open: false },
  ],
  edges: [
    { source: 'L0', target: 'a' },
    { source: 'a', target: 'b' },
    { source: 'b', target: 'Q' },
  ],
};

describe('the per-container graph layout', () => {
  it('sizes each open group to hold its children, which do not overlap', async () => {
    const boxes = await run(req, new LayoutCache());
    const { a, b, L1, L0, P } = boxes;
    for (const op of [a, b]) {
      expect(op).toMatchObject(NODE_SIZE.op);
      expect(op.x).toBeGreaterThanOrEqual(PAD.side);
      expect(op.y).toBeGreaterThanOrEqual(PAD.top);
      expect(op.x + op.width).toBeLessThanOrEqual(L1.width);
      expect(op.y + op.height).toBeLessThanOrEqual(L1.height);
    }
    // the dataflow runs left to right: a before b, L0 before the open layer that reads it
    expect(a.x + a.width).toBeLessThanOrEqual(b.x);
    expect(L0.x + L0.width).toBeLessThanOrEqual(L1.x);
    expect(L1.x + L1.width).toBeLessThanOrEqual(P.width);
    expect(L1.y + L1.height).toBeLessThanOrEqual(P.height);
  });

  it('re-lays out only the containers whose children changed', async () => {
    const cache = new LayoutCache();
    await run(req, cache);
    expect([cache.hits, cache.misses]).toEqual([0, 3]); // L1, P, the root
    await run(req, cache);
    expect([cache.hits, cache.misses]).toEqual([3, 3]);
    // a new op in layer 1: layer 1 changes size, so its parent and the root are laid out again
    const grown: LayoutRequest = {
      nodes: [...req.nodes, { id: 'c', parent: 'L1', kind: 'op', open: false }],
      edges: [...req.edges, { source: 'b', target: 'c' }],
    };
    await run(grown, cache);
    expect([cache.hits, cache.misses]).toEqual([3, 6]);
    // back to the first picture: every container comes from the cache
    await run(req, cache);
    expect([cache.hits, cache.misses]).toEqual([6, 6]);
  });
});
