import { duration } from '../spec/schema-parts.js';
import type { FaultContext } from './context.js';
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
  async apply(ctx) {
    const method = ctx.board.wifi;
    switch (method.kind) {
      case 'agent': {
        const control = ctx.board.control;
        if (!control) throw new Error(wifiProblem(ctx));
        await control.wifi(false);
        return { detail: 'agent took the interface down (wifi: agent)', heal: () => control.wifi(true) };
      }
      case 'proxy': {
        const heal = await addToxics(ctx.proxy, toxics('wifi-outage', 'timeout', { timeout: 0 }));
        return { detail: 'Toxiproxy blackhole: timeout 0 ms, both directions (wifi: proxy)', heal };
      }
      case 'command': {
        await ctx.run(method.down);
        return { detail: `rack hook: ${method.down} (wifi: command)`, heal: () => ctx.run(method.up) };
      }
      default: {
        const never: never = method;
        throw new Error(`unknown wifi method ${JSON.stringify(never)}`);
      }
    }
  },
});
