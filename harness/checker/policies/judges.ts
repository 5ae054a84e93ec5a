import type { PolicyName, PolicySpec } from '../../spec/policy.js';
import { judgeDrop } from './drop.js';
import type { ClassContext, PolicyJudge, PolicyOutcome } from './judge.js';
import { judgeMustDeliver } from './must-deliver.js';
import { judgeRetryWithin } from './retry-within.js';

/** Every policy's judge by name: a new policy without one here does not compile. */
export const POLICY_JUDGES: { [N in PolicyName]: PolicyJudge<N> } = {
  drop: judgeDrop,
  'retry-within': judgeRetryWithin,
  'must-deliver': judgeMustDeliver,
};

export function judgePolicy(spec: PolicySpec, ctx: ClassContext): PolicyOutcome {
  switch (spec.policy) {
    case 'drop':
      return POLICY_JUDGES.drop(spec, ctx);
    case 'retry-within':
      return POLICY_JUDGES['retry-within'](spec, ctx);
    case 'must-deliver':
      return POLICY_JUDGES['must-deliver'](spec, ctx);
    default: {
      const never: never = spec;
      throw new Error(`no judge for policy ${JSON.stringify(never)}`);
    }
  }
}
