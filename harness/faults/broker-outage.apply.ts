import type { FaultAction, FaultParams } from './context.js';

/**
 * The broker is unreachable. `refuse`: the board's proxy is disabled (connections closed, new
 * ones refused); `stop`: the embedded broker stops and comes back with its sessions;
 * `restart-clean`: it comes back without sessions and queued messages.
 */
export const brokerOutageAction: FaultAction<FaultParams<'broker-outage'>> = {
  problem(ctx, p) {
    if (p.mode !== 'refuse' && ctx.broker.kind === 'external') {
      return `broker-outage mode ${p.mode} needs the embedded broker (broker.url is set); use mode: refuse`;
    }
    return undefined;
  },
  async apply(ctx, p) {
    if (p.mode === 'refuse') {
      await ctx.proxy.setEnabled(false);
      return {
        detail: 'proxy disabled: connections closed, new ones refused (mode refuse)',
        heal: () => ctx.proxy.setEnabled(true),
      };
    }
    const release = await ctx.broker.outage(p.mode);
    return {
      detail:
        p.mode === 'stop'
          ? 'broker stopped; it restarts with its sessions (mode stop)'
          : 'broker stopped; it restarts without sessions or queued messages (mode restart-clean)',
      heal: release,
    };
  },
};
