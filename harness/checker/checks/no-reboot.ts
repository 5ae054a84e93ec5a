import type { CheckFinding } from '../findings.js';
import type { Outage } from '../link.js';
import { firstWhere, isAscending } from '../search.js';
import { defineCheck, outcome } from './check.js';

/**
 * `no-reboot`: no boot (second `hello`, boot banner, ROM reset line) after t = 0, except inside a
 * scheduled reboot (from the reboot fault to the next `mqtt connected`). The lines of one restart
 * (banner, then `hello`) make one reboot, up to the next `mqtt connected`. A boot seen once the
 * serial port was back counts from when it went away (`unseenMs` before it was seen).
 */
export const noReboot = defineCheck<{ check: 'no-reboot' }>({
  name: 'no-reboot',
  judge(_spec, view) {
    const inScheduled = scheduledReboots(view.link.outages.filter((o) => o.kind === 'reboot'));
    const failures: CheckFinding[] = [];
    let inRestart = false;
    for (const op of view.ops) {
      if (op.kind === 'mqtt' && op.state === 'connected') inRestart = false;
      if (op.kind !== 'boot' || op.t <= 0 || op.t > view.end) continue;
      // Seen once its port was back: it may have booted as early as the port went away.
      if (inScheduled(op.t) || (op.unseenMs !== undefined && inScheduled(op.t - op.unseenMs))) continue;
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

/**
 * t → inside some scheduled reboot [start, end]. Reboots may overlap (two before one reconnect):
 * among those begun by t, the longest-lasting decides (a running maximum of ends).
 */
function scheduledReboots(reboots: readonly Outage[]): (t: number) => boolean {
  if (!isAscending(reboots.map((r) => r.start)))
    return (t) => reboots.some((r) => t >= r.start && t <= r.end);
  let max = Number.NEGATIVE_INFINITY;
  const maxEnd = reboots.map((r) => {
    max = Math.max(max, r.end);
    return max;
  });
  return (t) => {
    const k = firstWhere(reboots.length, (i) => !(t >= (reboots[i] as Outage).start)) - 1;
    return k >= 0 && t <= (maxEnd[k] as number);
  };
}
