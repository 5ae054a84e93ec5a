import { agentRefused, watchBoard } from './confirm.js';
import { defineFault } from './kind.js';

/** How long a board has to boot again (a new boot id, banner or ROM line) after the reset. */
const BOOT_WITHIN_MS = 30_000;

/**
 * The board restarts: the runner's BoardControl.reset (the agent's `machine.reset()`, then the
 * board's boards.yml `reset:` methods while no boot follows). The link is down until the board
 * is connected again.
 */
export const reboot = defineFault<Record<string, never>>({
  kind: 'reboot',
  schema: {
    type: 'object',
    additionalProperties: false,
    description: "Restarts the board (agent reset or the board's reset method). Written `reboot: {}`.",
    properties: {},
  },
  parse: () => ({}),
  span: () => 0,
  effect: () => 'restart',
  scope: () => 'board',
  resource: () => 'board',
  downPhases: () => [],
  problem(ctx) {
    return ctx.board.control
      ? undefined
      : `board ${ctx.board.id} cannot be rebooted: no agent and no reset method to drive`;
  },
  confirm: () => ({
    by: 'a new boot: a hello with a new boot id, a boot banner or a ROM reset line',
    withinMs: BOOT_WITHIN_MS,
  }),
  async apply(ctx) {
    const control = ctx.board.control;
    if (!control) throw new Error(`board ${ctx.board.id} has no control`);
    const fallbacks = control.resetFallbacks ?? [];
    // A native-USB port goes away at the reset and comes back: the link reopens it, and the
    // boot it then sees confirms as any. One that does not come back can show no boot.
    let awayMs = 0;
    /** The ladder's attempts that brought no boot, in order: "agent refused", "repl brought no boot". */
    const tried: string[] = [];
    const withinMs = Math.max(BOOT_WITHIN_MS, control.resetWithinMs ?? 0);
    const watch = watchBoard(
      ctx,
      withinMs,
      (op, after) => {
        if (op.kind === 'port-back') awayMs += op.awayMs;
        if (op.kind === 'boot') {
          const by = tried.length ? `; by a later method, after: ${tried.join(', ')}` : '';
          return {
            confirmed: true,
            seen: `the board booted again ${after} ms after the reset (${op.reason}${awayMs ? `; its serial port was away for ${awayMs} ms` : ''})${by}`,
          };
        }
        if (op.kind === 'error' && op.gone)
          return { confirmed: false, seen: `no new boot seen: the serial line went away: ${op.msg}` };
        if (op.kind === 'board-reset' && op.why === 'reboot' && op.outcome !== 'booted') {
          tried.push(`${op.method} ${op.outcome === 'no-boot' ? 'brought no boot' : op.outcome}`);
          if (op.last)
            return {
              confirmed: false,
              seen: `no reset brought a new boot: ${tried.join(', ')}${op.detail ? ` (last: ${op.detail})` : ''}`,
            };
        }
        // With methods to fall back to, the agent's refusal is one rung, not the end.
        return fallbacks.length ? undefined : agentRefused(op, 'reset');
      },
      `no new boot within ${withinMs} ms of the reset`,
    );
    try {
      await control.reset();
    } catch (err) {
      watch?.settle();
      throw err;
    }
    const confirmed = watch?.result;
    const detail = fallbacks.length ? `board reset (agent, then ${fallbacks.join(', ')})` : 'board reset';
    return { detail, ...(confirmed && { confirmed }), heal: async () => {} };
  },
});
