import type { PolicyDefinition, PolicyName } from '../../spec/policy.js';
import { dropSpec } from './drop-spec.js';
import { mustDeliverSpec } from './must-deliver-spec.js';
import { retryWithinSpec } from './retry-within-spec.js';

export const POLICIES: Record<PolicyName, PolicyDefinition> = {
  drop: dropSpec,
  'retry-within': retryWithinSpec,
  'must-deliver': mustDeliverSpec,
};
export const POLICY_NAMES = Object.keys(POLICIES) as PolicyName[];
