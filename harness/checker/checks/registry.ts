import type { HealthCheck } from './check.js';
import { noReboot } from './no-reboot.js';
import { noTraceback } from './no-traceback.js';
import { reconnectBudget } from './reconnect-budget.js';
import { reconnectsWithin } from './reconnects-within.js';

/** Every declarable board-health check, one line each; the loader, the editor schema and the checker read this. */
export const HEALTH_CHECKS: readonly HealthCheck[] = [
  noReboot,
  noTraceback,
  reconnectsWithin,
  reconnectBudget,
];

/** The registered names, in registry order (read at call time). */
export function checkNames(): string[] {
  return HEALTH_CHECKS.map((c) => c.name);
}

export function checkNamed(name: string): HealthCheck | undefined {
  return HEALTH_CHECKS.find((c) => c.name === name);
}
