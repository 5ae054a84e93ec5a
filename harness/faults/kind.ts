import type { SchemaObject } from 'ajv';
import type { FaultEffect } from '../history/ops.js';
import { parseDuration } from '../spec/duration.js';
import type { Applied, FaultContext } from './context.js';

/**
 * What a fault does to a board's link while it is active: `down` is an outage (the checker's
 * link is not up), `degraded` slows it, `instant` is a one-off, `restart` restarts the board
 * (down until it is connected again), `group` only holds other faults that record themselves
 * (a flap's outages). Recorded with every start and end, so reports need no kind names.
 */
export type LinkEffect = FaultEffect;

/** A kind-specific mistake in a fault's block, reported by the loader at `faults[i].<kind>.<path>`. */
export interface FaultProblem {
  /** Within the kind's block, e.g. `['down']`; `[]` for the block itself. */
  path: Array<string | number>;
  message: string;
  hint?: string;
}

/**
 * One fault kind, whole: its YAML side (schema, parse, validate), what it means on the timeline
 * (span, effect, scope, resource, downPhases) and how it is made (problem, apply).
 * The validator loads these modules: import network/ and broker/ code with `import type` only.
 */
export interface FaultDefinition<P = unknown> {
  kind: string;
  /** Schema of the block under the kind's key, e.g. `wifi-outage: { for: 20s }`. */
  schema: SchemaObject;
  /** Turns the validated YAML block into parameters with durations in ms. */
  parse(raw: Record<string, unknown>): P;
  /** What the schema cannot say (e.g. a flap's `down` against its `for`). Empty when fine. */
  validate?(params: P): FaultProblem[];
  /** How long it stays active once applied (0 for instant faults). */
  span(params: P): number;
  effect(params: P): LinkEffect;
  /** `rack` faults touch every board at once (the broker is shared). */
  scope(params: P): 'board' | 'rack';
  /** Why a `rack` fault cannot take `boards`: the loader's message and hint when it has them. */
  rackReason?(params: P): { message: string; hint: string };
  /** What cannot overlap on one board: faults with a shared resource conflict. */
  resource(params: P): string;
  /** Down intervals relative to the fault's start, for flaps and the overlap check. */
  downPhases(params: P): Array<[number, number]>;
  /** Why this board cannot have this fault, or undefined when it can. Checked before apply. */
  problem?(ctx: FaultContext, params: P): string | undefined;
  /**
   * What observation confirms the fault acted, and within what time of its start (ms): the
   * `apply` watches for it (`Applied.confirmed`); unconfirmed, the checker calls what depends
   * on the fault `error`. E.g. `{ by: "the agent's net down", withinMs: 5000 }`.
   */
  confirm(params: P): { by: string; withinMs: number };
  /** Makes the fault; the returned heal undoes exactly that. */
  apply(ctx: FaultContext, params: P): Promise<Applied>;
}

export function defineFault<P>(def: FaultDefinition<P>): FaultDefinition<P> {
  return def;
}

/** A duration the schema has already validated, in ms. */
export function ms(raw: unknown): number {
  const value = parseDuration(String(raw));
  if (value === undefined) throw new Error(`not a duration: ${String(raw)}`);
  return value;
}
