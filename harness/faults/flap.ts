import { duration } from '../spec/schema-parts.js';
import type { BrokerOutageMode } from './broker-outage.js';
import { defineFault, ms } from './kind.js';

export interface FlapParams {
  fault: 'wifi-outage' | 'broker-outage';
  down: number;
  up: number;
  for: number;
  mode: BrokerOutageMode;
}

/** Repeated outages: `down` then `up`, again and again, for `for`. */
export const flap = defineFault<FlapParams>({
  kind: 'flap',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['fault', 'down', 'up', 'for'],
    description: 'Repeats an outage: down for `down`, up for `up`, until `for` has passed.',
    properties: {
      fault: { enum: ['wifi-outage', 'broker-outage'], description: 'The outage that repeats.' },
      down: duration('Length of each outage.'),
      up: duration('Time between outages.'),
      for: duration('Total length of the flapping.'),
      mode: {
        enum: ['refuse'],
        description: 'For broker-outage: only refuse can flap (a restart takes seconds).',
      },
    },
  },
  parse: (raw) => ({
    fault: raw.fault as FlapParams['fault'],
    down: ms(raw.down),
    up: ms(raw.up),
    for: ms(raw.for),
    mode: 'refuse',
  }),
  span: (p) => p.for,
  effect: () => 'down',
  scope: () => 'board',
  resource: (p) => (p.fault === 'wifi-outage' ? 'network' : 'broker'),
  downPhases: (p) => {
    const phases: Array<[number, number]> = [];
    for (let t = 0; t < p.for; t += p.down + p.up) phases.push([t, Math.min(t + p.down, p.for)]);
    return phases;
  },
});
