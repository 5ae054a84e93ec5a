import { duration } from '../spec/schema-parts.js';
import { agentRefused, toxicsListed, watchBoard } from './confirm.js';
import type { BoardOp, FaultContext, Seen } from './context.js';
import { defineFault, ms } from './kind.js';
import { addToxics, toxics } from './toxics.js';

/** Why the board cannot lose its WiFi the way boards.yml says, or undefined. */
function wifiProblem(ctx: FaultContext): string | undefined {
  const method = ctx.board.wifi;
  if (method.kind === 'agent' && !ctx.board.control) {
    return (
      `board ${ctx.board.id} has wifi: agent but no agent to ask; ` +
      'give it a running agent, or set wifi: proxy or wifi: { command: { down, up } } in boards.yml'
    );
  }
  return undefined;
}

/** How long the agent has to report `net down` after the `wifi` op. */
const AGENT_WITHIN_MS = 5000;

/** The board's link is seen to go: the agent's net down or mqtt break, or the broker losing its client. */
function linkLost(ctx: FaultContext, op: BoardOp, after: number): Seen | undefined {
  if (op.kind === 'net' && op.state === 'down')
    return { confirmed: true, seen: `the agent reported net down ${after} ms after the hook` };
  if (op.kind === 'mqtt' && (op.state === 'disconnected' || op.state === 'connecting'))
    return { confirmed: true, seen: `the agent reported mqtt ${op.state} ${after} ms after the hook` };
  if (op.kind === 'client' && op.event === 'disconnect' && op.clientId === ctx.board.clientId)
    return { confirmed: true, seen: `the broker saw ${op.clientId} go ${after} ms after the hook` };
  return undefined;
}

/**
 * The board loses its network; the broker is not told (no FIN). `agent`: the agent holds the
 * interface down; `proxy`: a Toxiproxy blackhole (`timeout` 0 both ways; healing closes the
 * connections); `command`: the rack's down/up hooks.
 */
export const wifiOutage = defineFault<{ for: number }>({
  kind: 'wifi-outage',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['for'],
    description:
      "The board loses its network. Made as the board's `wifi` method says (agent, proxy, command).",
    properties: { for: duration('How long the network stays down.') },
  },
  parse: (raw) => ({ for: ms(raw.for) }),
  span: (p) => p.for,
  effect: () => 'down',
  scope: () => 'board',
  resource: () => 'network',
  downPhases: (p) => [[0, p.for]],
  problem: (ctx) => wifiProblem(ctx),
  // Per method (docs/faults.md): the board's `wifi:` is not among the params, so this is the union.
  confirm: (p) => ({
    by: "agent: the agent's net down; proxy: Toxiproxy lists the blackhole; command: the agent's net down or mqtt disconnected, or the broker seeing the client go",
    withinMs: Math.min(AGENT_WITHIN_MS, p.for),
  }),
  async apply(ctx, p) {
    const method = ctx.board.wifi;
    switch (method.kind) {
      case 'agent': {
        const control = ctx.board.control;
        if (!control) throw new Error(wifiProblem(ctx));
        const within = AGENT_WITHIN_MS;
        const watch = watchBoard(
          ctx,
          within,
          (op, after) =>
            agentRefused(op, 'wifi') ??
            (op.kind === 'net' && op.state === 'down'
              ? { confirmed: true, seen: `the agent reported net down ${after} ms after the wifi op` }
              : undefined),
          `the agent did not report net down within ${within} ms of the wifi op`,
        );
        const at = await control.wifi(false).catch((err: unknown) => {
          watch?.settle();
          throw err;
        });
        return {
          detail: 'agent asked to take the interface down (wifi: agent)',
          ...(at !== undefined && { at }),
          ...(watch && { confirmed: watch.result }),
          heal: () => control.wifi(true),
        };
      }
      case 'proxy': {
        const list = toxics('wifi-outage', 'timeout', { timeout: 0 });
        const heal = await addToxics(ctx.proxy, list);
        return {
          detail: 'Toxiproxy blackhole: timeout 0 ms, both directions (wifi: proxy)',
          confirmed: toxicsListed(ctx, list),
          heal,
        };
      }
      case 'command': {
        // A hook that exits 0 and changes nothing: the board must be seen to lose its link
        // while the outage lasts (the agent's net down or mqtt break, or the broker).
        const watch = watchBoard(
          ctx,
          p.for,
          (op, after) => linkLost(ctx, op, after),
          `neither the agent (net down, mqtt disconnected) nor the broker (${ctx.board.clientId ?? 'the client'} gone) saw the board lose its link during the ${p.for} ms outage`,
        );
        await ctx.run(method.down).catch((err: unknown) => {
          watch?.settle();
          throw err;
        });
        return {
          detail: `rack hook: ${method.down} (wifi: command)`,
          ...(watch && { confirmed: watch.result }),
          heal: async () => {
            watch?.settle();
            await ctx.run(method.up);
          },
        };
      }
      default: {
        const never: never = method;
        throw new Error(`unknown wifi method ${JSON.stringify(never)}`);
      }
    }
  },
});
