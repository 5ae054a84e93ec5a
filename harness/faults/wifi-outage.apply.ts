import type { FaultAction, FaultContext, FaultParams } from './context.js';
import { addToxics, toxics } from './toxics.js';

/** Why the board cannot lose its WiFi the way boards.yml says, or undefined. */
export function wifiProblem(ctx: FaultContext): string | undefined {
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
 * The board loses its network; the broker is not told. `agent`: the agent holds the interface
 * down; `proxy`: a Toxiproxy blackhole (`timeout` 0 both ways; healing closes the connections);
 * `command`: the rack's down/up hooks.
 */
export const wifiOutageAction: FaultAction<FaultParams<'wifi-outage'>> = {
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
};
