import { defineFault } from './kind.js';

/**
 * The board restarts: the runner's BoardControl.reset (agent `machine.reset()`, or the board's
 * reset method from boards.yml). The link is down until the board is connected again.
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
  async apply(ctx) {
    const control = ctx.board.control;
    if (!control) throw new Error(`board ${ctx.board.id} has no control`);
    await control.reset();
    return { detail: 'board reset', heal: async () => {} };
  },
});
