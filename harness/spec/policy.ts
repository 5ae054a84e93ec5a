import type { SchemaObject } from 'ajv';

/** A class's delivery policy, as the scenario states it (durations in ms). */
export type PolicySpec =
  | { policy: 'drop'; settle?: number; maxAge?: number }
  | { policy: 'retry-within'; within: number; settle?: number; duplicates: 'allowed' | 'forbidden' }
  | { policy: 'must-deliver'; settle?: number; exactlyOnce: boolean; ordered: boolean };

export type PolicyName = PolicySpec['policy'];

/** One policy's YAML form: its option schema and how the block becomes a PolicySpec. */
export interface PolicyDefinition {
  name: PolicyName;
  /** May it be written as a bare string (`alarm: must-deliver`)? */
  shorthand: boolean;
  /** Schema of the object form, policy key included. */
  schema: SchemaObject;
  parse(raw: Record<string, unknown>, ms: (d: unknown) => number): PolicySpec;
}
