import { expect } from 'chai';
import { mqttSeenText } from '../../harness/scenario/mqtt-seen.js';

describe('what the agent said while hil waited for connected', () => {
  it('counts each state, with its last time after the config', () => {
    const seen = [
      ...Array.from({ length: 12 }, (_, i) => ({ state: 'connecting', t: 1000 + i * 2500 })),
      { state: 'disconnected', t: 5000 },
      { state: 'disconnected', t: 29_000 },
    ];
    expect(mqttSeenText(seen, 1000)).to.equal(
      '12 × connecting, last at 27.5 s; 2 × disconnected, last at 28.0 s',
    );
  });

  it('says so when the agent reported nothing about MQTT', () => {
    expect(mqttSeenText([], 0)).to.equal('the agent reported no MQTT state at all');
  });
});
