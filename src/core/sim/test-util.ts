import type { TraceEvent } from './trace.ts';

/** Checks what Perfetto needs of a Chrome JSON trace; returns the problems found. */
export function traceProblems(events: readonly TraceEvent[]): string[] {
  const problems: string[] = [];
  const named = new Set<string>();
  const threads = new Set<string>();
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (typeof e.name !== 'string' || typeof e.pid !== 'number') problems.push('name/pid');
    if (e.ph === 'M') {
      if (e.name === 'process_name') named.add(String(e.pid));
      if (e.name === 'thread_name') threads.add(`${e.pid}:${e.tid}`);
      if (
        typeof (e.args as { name?: unknown; sort_index?: unknown })?.name !== 'string' &&
        typeof (e.args as { sort_index?: unknown })?.sort_index !== 'number'
      )
        problems.push(`metadata ${e.name} without args`);
    } else if (e.ph === 'X') {
      if (typeof e.ts !== 'number' || typeof e.dur !== 'number' || typeof e.tid !== 'number')
        problems.push(`X ${e.name} lacks ts/dur/tid`);
      if ((e.dur ?? -1) < 0) problems.push(`negative dur ${e.name}`);
      const k = `${e.pid}:${e.tid}`;
      if (!byThread.has(k)) byThread.set(k, []);
      byThread.get(k)!.push(e);
    } else if (e.ph === 'C') {
      if (typeof e.ts !== 'number') problems.push('C without ts');
      for (const v of Object.values(e.args ?? {}))
        if (typeof v !== 'number') problems.push('C with a non-numeric series');
    } else problems.push(`unexpected phase ${e.ph}`);
  }
  for (const [k, list] of byThread) {
    if (!named.has(k.split(':')[0])) problems.push(`process ${k} unnamed`);
    if (!threads.has(k)) problems.push(`thread ${k} unnamed`);
    for (let i = 1; i < list.length; i++) {
      if (list[i].ts! < list[i - 1].ts!) problems.push(`thread ${k}: ts not monotonic`);
      if (list[i - 1].ts! + list[i - 1].dur! > list[i].ts! + 1e-6)
        problems.push(`thread ${k}: slices overlap`);
    }
  }
  return problems;
}
