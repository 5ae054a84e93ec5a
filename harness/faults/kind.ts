import type { SchemaObject } from 'ajv';
import { parseDuration } from '../spec/duration.js';

/**
 * What a fault does to a board's link while it is active:
 * `down` is an outage (the checker's link is not up), `degraded` slows it, `instant` is a one-off.
 */
export type LinkEffect = 'down' | 'degraded' | 'instant';

/** One fault kind: its YAML schema and what its parameters mean on the timeline. */
export interface FaultDefinition<P = unknown> {
  kind: string;
  /** Schema of the block under the kind's key, e.g. `wifi-outage: { for: 20s }`. */
  schema: SchemaObject;
  /** Turns the validated YAML block into parameters with durations in ms. */
  parse(raw: Record<string, unknown>): P;
  /** How long it stays active once applied (0 for instant faults). */
  span(params: P): number;
  effect(params: P): LinkEffect;
  /** `rack` faults touch every board at once (the broker is shared). */
  scope(params: P): 'board' | 'rack';
  /** What cannot overlap on one board: faults with a shared resource conflict. */
  resource(params: P): string;
  /** Down intervals relative to the fault's start, for flaps and the overlap check. */
  downPhases(params: P): Array<[number, number]>;
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
