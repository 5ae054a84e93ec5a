import type { PolicySpec } from '../../spec/policy.js';
import { drop } from './drop.js';
import { mustDeliver } from './must-deliver.js';
import type { Policy } from './policy.js';
import { retryWithin } from './retry-within.js';

/** Every delivery policy, one line each; the loader, the editor schema and the checker read this. */
export const POLICIES: readonly Policy[] = [drop, retryWithin, mustDeliver];

/** The registered names, in registry order (read at call time). */
export function policyNames(): string[] {
  return POLICIES.map((p) => p.name);
}

export function policyNamed(name: string): Policy | undefined {
  return POLICIES.find((p) => p.name === name);
}

/** `retry-within 15s`: the spec's policy with its options; an unknown policy reads as its name. */
export function policyLabel(spec: PolicySpec): string {
  return policyNamed(spec.policy)?.label(spec) ?? spec.policy;
}

/** ms after its emit by which each copy of the class is due, if its policy sets one. */
export function policyDeadline(spec: PolicySpec): number | undefined {
  return policyNamed(spec.policy)?.deadline(spec);
}
