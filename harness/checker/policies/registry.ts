import { dropSpec } from './drop-spec.js';
import { mustDeliverSpec } from './must-deliver-spec.js';
import { retryWithinSpec } from './retry-within-spec.js';
import type { PolicyDefinition, PolicyName } from './spec.js';

export const POLICIES: Record<PolicyName, PolicyDefinition> = {
  drop: dropSpec,
  'retry-within': retryWithinSpec,
  'must-deliver': mustDeliverSpec,
};
export const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[];
