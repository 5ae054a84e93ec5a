import { defineFault } from './kind.js';

/** A TCP reset now: Toxiproxy `reset_peer`, removed once the connections are reset. */
export const reset = defineFault<Record<string, never>>({
  kind: 'reset',
  schema: {
    type: 'object',
    additionalProperties: false,
    description:
      'Resets the TCP connections through the proxy now (Toxiproxy reset_peer). Written `reset: {}`.',
    properties: {},
  },
  parse: () => ({}),
  span: () => 0,
  effect: () => 'instant',
  scope: () => 'board',
  resource: () => 'toxic:reset_peer',
  downPhases: () => [],
});
