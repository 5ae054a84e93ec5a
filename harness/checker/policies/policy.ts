import type { SchemaObject } from 'ajv';
import type { PolicySpec } from '../../spec/policy.js';
import type { BrokerPresence } from '../broker-presence.js';
import type { ClassFinding } from '../findings.js';
import type { Link } from '../link.js';
import type { Message } from '../messages.js';

/** What a policy sees of one class on one board. */
export interface ClassContext {
  cls: string;
  /** In emit order; never empty (a class without emits is an error before any policy runs). */
  messages: readonly Message[];
  link: Link;
  /** The class's settle: the policy's override or the scenario's. */
  settle: number;
  /** max(duration, last fault end) + drain: copies after it were never counted. */
  end: number;
  /** ε in ms. */
  tolerance: number;
  /** The broker's view of the board's client (embedded broker only). */
  broker?: BrokerPresence;
}

export interface PolicyOutcome {
  /** One per failing message. */
  failures: ClassFinding[];
  /** Messages delivered after their deadline or max-age. */
  late: number;
  /** Informational findings (excused losses). */
  notes: ClassFinding[];
}

/**
 * One delivery policy, whole: its YAML form, how that becomes its spec, how it judges a class,
 * and how reports name it. A new policy is one module exporting this plus a line in `registry.ts`.
 */
export interface Policy<S extends PolicySpec = PolicySpec> {
  /** The YAML key and `spec.policy`. */
  name: string;
  /**
   * `true`: may be written as a bare string (`alarm: must-deliver`); else what the string form
   * lacks and how to write it, e.g. `{ lacks: 'a deadline', write: '{ retry-within: 15s }' }`.
   */
  bare: true | { lacks: string; write: string };
  /** Schema of the object form, its own key included (checked by the loader, exported for editors). */
  schema: SchemaObject;
  /** The object form (already schema-checked) as a spec; `ms` reads a duration. */
  parse(raw: Record<string, unknown>, ms: (d: unknown) => number): S;
  judge(spec: S, ctx: ClassContext): PolicyOutcome;
  /** `retry-within 15s, no duplicates`: the policy with its options, for reports. */
  label(spec: S): string;
  /** ms after its emit by which each copy is due, if the policy has such a deadline. */
  deadline(spec: S): number | undefined;
}

/** Types a policy module against its own spec and stores it as any policy. */
export function definePolicy<S extends PolicySpec>(p: Policy<S>): Policy {
  return p as unknown as Policy;
}
