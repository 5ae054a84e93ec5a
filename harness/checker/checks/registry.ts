import type { CheckSpec } from '../../spec/types.js';
import type { BoardView } from '../board-view.js';
import type { CheckOutcome, HealthCheck } from './check.js';
import { noReboot } from './no-reboot.js';
import { noTraceback } from './no-traceback.js';
import { reconnectBudget } from './reconnect-budget.js';
import { reconnectsWithin } from './reconnects-within.js';

/** Every declared board-health check by name: a new check without one here does not compile. */
export const HEALTH_CHECKS: { [N in CheckSpec['check']]: HealthCheck<N> } = {
  'no-reboot': noReboot,
  'no-traceback': noTraceback,
  'reconnects-within': reconnectsWithin,
  'reconnect-budget': reconnectBudget,
};

export function runCheck(spec: CheckSpec, view: BoardView): CheckOutcome {
  switch (spec.check) {
    case 'no-reboot':
      return HEALTH_CHECKS['no-reboot'](spec, view);
    case 'no-traceback':
      return HEALTH_CHECKS['no-traceback'](spec, view);
    case 'reconnects-within':
      return HEALTH_CHECKS['reconnects-within'](spec, view);
    case 'reconnect-budget':
      return HEALTH_CHECKS['reconnect-budget'](spec, view);
    default: {
      const never: never = spec;
      throw new Error(`no check named ${JSON.stringify(never)}`);
    }
  }
}
