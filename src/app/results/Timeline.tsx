// One simulated step on one device (every device runs the same program): the compute stream
// coloured by phase, one communication stream per mesh axis in the axis's colour, and live
// memory above. Drawn on a canvas (a 96-layer step has hundreds of thousands of slices), zoom
// and pan with d3-zoom, hover for details, click to select the op's group or the collective.
import { scaleLinear, select as d3select, zoom, zoomIdentity, type ZoomTransform } from 'd3';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { axisColor } from '../../core/view/axis-colors.ts';
import type { PackedTimeline, RunResult } from '../../worker/protocol.ts';
import { useWorkbench } from '../state/store.ts';
import { formatBytes, formatSeconds } from '../format.ts';

const PHASE_COLORS: Readonly<Record<string, string>> = {
  forward: '#7f8fa6',
  backward: '#a6937f',
  optimizer: '#8f7fa6',
};
const ROW = 22;
const MEM_ROW = 34;
const LABEL_W = 92;

interface TrackIndex {
  readonly name: string;
  /** Slice indices on this track, by start time. */
  readonly slices: Int32Array;
}

export function indexTracks(t: PackedTimeline): TrackIndex[] {
  const { offsets, slices } = t.byTrack;
  return t.tracks.map((name, k) => ({ name, slices: slices.subarray(offsets[k], offsets[k + 1]) }));
}

/** First position in `slices` whose slice ends after time `s`. */
function firstEndingAfter(t: PackedTimeline, slices: Int32Array, s: number): number {
  let lo = 0;
  let hi = slices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const i = slices[mid];
    if (t.start[i] + t.dur[i] < s) lo = mid + 1;
    else hi = mid;
  }
  return Math.max(0, lo - 1);
}

/** Memoised: progress updates re-render the results pane, not this chart. */
export const Timeline = memo(function Timeline(props: { run: RunResult }) {
  const { run } = props;
  const t = run.timeline;
  const axes = useMemo(() => run.axes.map((a) => a.name), [run]);
  const tracks = useMemo(() => indexTracks(t), [t]);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [transform, setTransform] = useState<ZoomTransform>(zoomIdentity);
  const [hover, setHover] = useState<{ i: number; x: number; y: number } | null>(null);
  const select = useWorkbench((s) => s.select);
  const step = run.report.stepTimeS || 1e-9;
  const height = MEM_ROW + tracks.length * ROW + 18;
  const plotW = Math.max(50, width - LABEL_W);
  const x = useMemo(
    () => transform.rescaleX(scaleLinear().domain([0, step]).range([0, plotW])),
    [transform, step, plotW],
  );

  useEffect(() => {
    const el = canvas.current?.parentElement;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    const z = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1, 1e5])
      .translateExtent([
        [0, 0],
        [plotW, height],
      ])
      .extent([
        [0, 0],
        [plotW, height],
      ])
      .on('zoom', (e: { transform: ZoomTransform }) => setTransform(e.transform));
    d3select(el).call(z);
    return () => void d3select(el).on('.zoom', null);
  }, [plotW, height]);

  useEffect(() => setTransform(zoomIdentity), [run]);

  useEffect(() => {
    const el = canvas.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    el.width = width * dpr;
    el.height = height * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const [t0, t1] = x.domain();
    // memory counter
    const mem = t.memory;
    let maxMem = 1;
    for (let i = 1; i < mem.length; i += 2) maxMem = Math.max(maxMem, mem[i]);
    ctx.fillStyle = '#5d6b7e';
    ctx.fillText('memory', 6, MEM_ROW / 2);
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, 0, plotW, height);
    ctx.clip();
    ctx.beginPath();
    ctx.moveTo(LABEL_W + x(0), MEM_ROW - 2);
    for (let i = 0; i < mem.length; i += 2)
      ctx.lineTo(LABEL_W + x(mem[i]), MEM_ROW - 2 - (mem[i + 1] / maxMem) * (MEM_ROW - 6));
    ctx.lineTo(LABEL_W + x(mem.length ? mem[mem.length - 2] : 0), MEM_ROW - 2);
    ctx.fillStyle = 'rgba(106,165,122,0.35)';
    ctx.strokeStyle = '#6aa57a';
    ctx.fill();
    ctx.stroke();
    ctx.restore();
    tracks.forEach((tr, k) => {
      const y = MEM_ROW + k * ROW;
      const axis = tr.name.startsWith('comm ') ? tr.name.slice(5) : null;
      ctx.fillStyle = k % 2 ? '#f3f5f8' : '#fafbfc';
      ctx.fillRect(0, y, width, ROW);
      ctx.fillStyle = axis ? axisColor(axis, axes) : '#3b4656';
      ctx.fillText(tr.name, 6, y + ROW / 2);
      ctx.save();
      ctx.beginPath();
      ctx.rect(LABEL_W, y, plotW, ROW);
      ctx.clip();
      let lastPx = -1;
      for (let p = firstEndingAfter(t, tr.slices, t0); p < tr.slices.length; p++) {
        const i = tr.slices[p];
        if (t.start[i] > t1) break;
        const a = x(t.start[i]);
        const w = x(t.start[i] + t.dur[i]) - a;
        if (a + w < lastPx + 0.5) continue; // under a pixel already drawn
        ctx.fillStyle = axis
          ? axisColor(axis, axes)
          : (PHASE_COLORS[t.phases[t.phase[i]]] ?? '#8a8a8a');
        ctx.fillRect(LABEL_W + a, y + 3, Math.max(w, 0.75), ROW - 6);
        lastPx = a + Math.max(w, 0.75);
        if (w > 40) {
          ctx.fillStyle = '#fff';
          ctx.fillText(
            t.names[t.name[i]].slice(0, Math.floor(w / 6)),
            LABEL_W + a + 3,
            y + ROW / 2,
            w - 6,
          );
        }
      }
      ctx.restore();
    });
    // time axis
    const ty = MEM_ROW + tracks.length * ROW + 12;
    ctx.fillStyle = '#5d6b7e';
    for (const tick of x.ticks(6)) {
      ctx.fillText(formatSeconds(tick), LABEL_W + x(tick) - 12, ty);
    }
  }, [t, tracks, x, width, height, plotW, axes]);

  const hit = (clientX: number, clientY: number): number | null => {
    const r = canvas.current!.getBoundingClientRect();
    const px = clientX - r.left - LABEL_W;
    const k = Math.floor((clientY - r.top - MEM_ROW) / ROW);
    if (px < 0 || k < 0 || k >= tracks.length) return null;
    const time = x.invert(px);
    const slop = x.invert(px + 2) - time;
    const tr = tracks[k];
    for (let p = firstEndingAfter(t, tr.slices, time - slop); p < tr.slices.length; p++) {
      const i = tr.slices[p];
      if (t.start[i] > time + slop) break;
      if (t.start[i] - slop <= time && time <= t.start[i] + t.dur[i] + slop) return i;
    }
    return null;
  };

  const counts = Object.fromEntries(tracks.map((tr) => [tr.name, tr.slices.length]));
  const h = hover?.i;
  return (
    <figure className="chart timeline" data-testid="timeline" data-tracks={JSON.stringify(counts)}>
      <figcaption>
        Timeline of one step{' '}
        <span className="muted">
          device 0 · scroll to zoom, drag to pan · {formatSeconds(step)}
        </span>
        <span className="legend inline">
          {Object.entries(PHASE_COLORS).map(([p, c]) => (
            <span key={p}>
              <span className="swatch" style={{ background: c }} />
              {p}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="timeline-canvas">
        <canvas
          ref={canvas}
          style={{ width, height }}
          onMouseMove={(e) => {
            const i = hit(e.clientX, e.clientY);
            setHover(i === null ? null : { i, x: e.nativeEvent.offsetX, y: e.nativeEvent.offsetY });
          }}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const i = hit(e.clientX, e.clientY);
            if (i === null) return;
            if (t.collective[i] >= 0) select({ kind: 'collective', index: t.collective[i] });
            else select({ kind: 'group', id: `g:${t.phases[t.phase[i]]}:${t.scopes[t.scope[i]]}` });
          }}
        />
        {h !== undefined && hover && (
          <div
            className="tooltip"
            style={{
              left: Math.min(hover.x + 12, width - 240),
              ...(hover.y > height / 2 ? { bottom: height - hover.y + 12 } : { top: hover.y + 12 }),
            }}
            data-testid="timeline-tooltip"
          >
            <b>{t.names[t.name[h]]}</b> <span className="muted">{t.tracks[t.track[h]]}</span>
            <br />
            {t.scopes[t.scope[h]] || '(top level)'} · {t.phases[t.phase[h]]}
            <br />
            start {formatSeconds(t.start[h])}, {formatSeconds(t.dur[h])}
            {t.collective[h] >= 0 && run.collectives.find((c) => c.index === t.collective[h]) && (
              <>
                <br />
                {formatBytes(run.collectives.find((c) => c.index === t.collective[h])!.bytes)} sent
                · {run.collectives.find((c) => c.index === t.collective[h])!.reason}
              </>
            )}
          </div>
        )}
      </div>
    </figure>
  );
});
