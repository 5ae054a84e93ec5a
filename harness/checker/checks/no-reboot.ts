import type { CheckFinding } from '../findings.js';
import { defineCheck, outcome } from './check.js';

/**
 * `no-reboot`: no boot (second `hello`, boot banner, ROM reset line) after t = 0, except inside a
 * scheduled reboot (from the reboot fault to the next `mqtt connected`). The lines of one restart
 * (banner, then `hello`) make one reboot, up to the next `mqtt connected`.
 */
export const noReboot = defineCheck<{ check: 'no-reboot' }>({
  name: 'no-reboot',
  judge(_spec, view) {
    const scheduled = view.link.outages.filter((o) => o.kind === 'reboot');
    const failures: CheckFinding[] = [];
    let inRestart = false;
    for (const op of view.ops) {
      if (op.kind === 'mqtt' && op.state === 'connected') inRestart = false;
      if (op.kind !== 'boot' || op.t <= 0 || op.t > view.end) continue;
      if (scheduled.some((r) => op.t >= r.start && op.t <= r.end)) continue;
      if (inRestart) continue;
      inRestart = true;
      failures.push({
        kind: 'rebooted',
        level: 'fail',
        t: op.t,
        reason: op.reason,
        ...(op.boot !== undefined && { boot: op.boot }),
        ...(op.line !== undefined && { line: op.line }),
      });
    }
    return outcome(failures);
  },
});
