import type { FaultAction, FaultParams } from './context.js';

/** The board restarts: the runner's BoardControl.reset (agent `machine.reset()` or the board's reset method). */
export const rebootAction: FaultAction<FaultParams<'reboot'>> = {
  problem(ctx) {
    return ctx.board.control
      ? undefined
      : `board ${ctx.board.id} cannot be rebooted: no agent and no reset method to drive`;
  },
  async apply(ctx) {
    const control = ctx.board.control;
    if (!control) throw new Error(`board ${ctx.board.id} has no control`);
    await control.reset();
    return { detail: 'board reset', heal: async () => {} };
  },
};
