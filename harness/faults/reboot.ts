import { defineFault } from './kind.js';

/** The board restarts: agent `reset`, or the board's reset method from boards.yml. */
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
  effect: () => 'instant',
  scope: () => 'board',
  resource: () => 'board',
  downPhases: () => [],
});
