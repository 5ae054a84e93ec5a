/**
 * A class's delivery policy as the scenario states it (durations in ms): the shape every policy
 * shares. Each policy module (`checker/policies/`) narrows it to its own options.
 */
export interface PolicySpec {
  /** A policy of the registry (`checker/policies/registry.ts`). */
  policy: string;
  /** Overrides the scenario's settle for this class. */
  settle?: number;
  [option: string]: unknown;
}
