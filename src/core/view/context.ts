import type { Program } from '../ir/program.ts';
import type { Mesh } from '../mesh/mesh.ts';
import type { Topology } from '../mesh/topology.ts';
import type { SimReport } from '../sim/report.ts';
import type { SpmdProgram } from '../spmd/lower.ts';
import type { ScheduleResult } from '../tactics/apply.ts';

/**
 * What the views need from one pipeline run: the worker keeps the latest run's context and
 * answers graph and inspection requests from it, so the page never holds the program itself.
 * `schedule` is the run's ScheduleResult (already cut at "after tactic k" when stepping through),
 * so `schedule.final` is the state to show. The later stages are optional: a run that failed in
 * lowering or simulation still has a graph to draw.
 */
export interface ViewContext {
  readonly program: Program;
  readonly mesh: Mesh;
  readonly schedule: ScheduleResult;
  readonly spmd?: SpmdProgram;
  readonly report?: SimReport;
  readonly topology?: Topology;
}
