import type { OpOf } from '../../history/ops.js';
import { at } from '../format.js';
import { type HealthCheck, outcome } from './check.js';

/**
 * `no-reboot`: no boot (second `hello`, boot banner, ROM reset line) after t = 0, except inside a
 * scheduled reboot (from the reboot fault to the next `mqtt connected`). The lines of one restart
 * (banner, then `hello`) make one reboot, up to the next `mqtt connected`.
 */
export const noReboot: HealthCheck<'no-reboot'> = (_spec, view) => {
  const scheduled = view.link.outages.filter((o) => o.kind === 'reboot');
  const failures: string[] = [];
  let inRestart = false;
  for (const op of view.ops) {
    if (op.kind === 'mqtt' && op.state === 'connected') inRestart = false;
    if (op.kind !== 'boot' || op.t <= 0 || op.t > view.end) continue;
    if (scheduled.some((r) => op.t >= r.start && op.t <= r.end)) continue;
    if (inRestart) continue;
    inRestart = true;
    failures.push(`rebooted at ${at(op.t)} (${bootText(op)}) without a scheduled reboot`);
  }
  return outcome(failures);
};

function bootText(op: OpOf<'boot'>): string {
  if (op.reason === 'hello') return `agent hello${op.boot !== undefined ? `, boot ${op.boot}` : ''}`;
  const line = (op.line ?? '').trim();
  const what = op.reason === 'banner' ? 'boot banner' : 'ROM reset';
  return line ? `${what} "${line.length > 80 ? `${line.slice(0, 77)}...` : line}"` : what;
}
