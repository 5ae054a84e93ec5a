import { expect } from 'chai';
import { BASE_SCENARIO, scenario, scenarioErrors } from './config-helpers.js';

const withFaults = (...lines: string[]) =>
  `${BASE_SCENARIO}faults:\n${lines.map((l) => `  - ${l}\n`).join('')}`;

describe('scenario files', () => {
  it('loads the DESIGN.md example with every default resolved', () => {
    const { value, diagnostics } = scenario(`name: wifi-drop-20s
duration: 90s
drain: 30s
seed: 7
traffic:
  - { class: telemetry, every: 20s }
  - { class: button, at: [25s, 10s] }
  - { class: command, direction: down, every: 30s, qos: 1 }
faults:
  - { at: 50s, broker-outage: { for: 10s, mode: restart-clean } }
  - { at: 8s, wifi-outage: { for: 20s } }
policies:
  telemetry: { drop: true, max-age: 30s }
  button: { retry-within: 15s, duplicates: forbidden }
  command: { must-deliver: true, exactly-once: true, ordered: true }
checks: [no-reboot, { reconnects-within: 10s }, { reconnect-budget: 6/min }]
`);
    expect(diagnostics).to.deep.equal([]);
    expect(value).to.include({
      name: 'wifi-drop-20s',
      duration: 90_000,
      drain: 30_000,
      settle: 5000,
      tolerance: 50,
      seed: 7,
    });
    expect(value?.traffic.map((t) => [t.class, t.direction, t.times])).to.deep.equal([
      ['telemetry', 'up', [20_000, 40_000, 60_000, 80_000]],
      ['button', 'up', [10_000, 25_000]],
      ['command', 'down', [30_000, 60_000]],
    ]);
    expect(value?.faults.map((f) => [f.at, f.kind, f.params])).to.deep.equal([
      [8000, 'wifi-outage', { for: 20_000 }],
      [50_000, 'broker-outage', { for: 10_000, mode: 'restart-clean' }],
    ]);
    expect(value?.policies).to.deep.equal({
      telemetry: { policy: 'drop', maxAge: 30_000 },
      button: { policy: 'retry-within', within: 15_000, duplicates: 'forbidden' },
      command: { policy: 'must-deliver', exactlyOnce: true, ordered: true },
    });
    expect(value?.checks).to.deep.equal([
      { check: 'no-reboot' },
      { check: 'reconnects-within', within: 10_000 },
      { check: 'reconnect-budget', perMinute: 6 },
    ]);
  });

  it('reads shorthand policies as their object forms', () => {
    const { value } = scenario(
      'name: t\nduration: 10s\ntraffic: [{ class: a, at: [1s] }, { class: b, at: [1s] }]\npolicies: { a: drop, b: must-deliver }\n',
    );
    expect(value?.policies).to.deep.equal({
      a: { policy: 'drop' },
      b: { policy: 'must-deliver', exactlyOnce: false, ordered: false },
    });
  });

  it('expands a flap into its down phases, the last cut at `for`', async () => {
    const { FAULTS } = await import('../../harness/faults/registry.js');
    expect(
      FAULTS.flap.downPhases({ fault: 'wifi-outage', down: 3000, up: 5000, for: 20_000, mode: 'refuse' }),
    ).to.deep.equal([
      [0, 3000],
      [8000, 11_000],
      [16_000, 19_000],
    ]);
  });

  const cases: Array<[string, string, string]> = [
    ['an empty file', '', 's.yml:1:1: file is empty'],
    ['a list instead of a mapping', '- a\n', 's.yml:1:1: file: expected an object, got a list'],
    [
      'a missing name',
      'duration: 1s\ntraffic: [{ class: a, at: [0s] }]\npolicies: { a: drop }\n',
      's.yml:1:1: file: missing required key "name"',
    ],
    [
      'a unit-less duration',
      BASE_SCENARIO.replace('duration: 60s', 'duration: 60'),
      's.yml:2:11: duration: 60 has no unit; write it with one, e.g. "60s" or "60ms"',
    ],
    [
      'a negative duration',
      `${BASE_SCENARIO}drain: -5s\n`,
      's.yml:7:8: drain: "-5s" is negative; write a duration of 0 or more, e.g. "15s"',
    ],
    [
      'an unknown unit',
      `${BASE_SCENARIO}settle: 5 sec\n`,
      's.yml:7:9: settle: "5 sec" has an unknown unit; write "5s"',
    ],
    [
      'a wrong type',
      `${BASE_SCENARIO}seed: seven\n`,
      's.yml:7:7: seed: expected an integer, got string "seven"',
    ],
    [
      'an unknown key',
      `${BASE_SCENARIO}drian: 5s\n`,
      's.yml:7:1: unknown key "drian" (did you mean "drain"?)',
    ],
    [
      'an unknown fault kind',
      withFaults('{ at: 5s, wifi-outgae: { for: 5s } }'),
      's.yml:8:15: unknown fault kind "wifi-outgae" (did you mean "wifi-outage"?)',
    ],
    ['a fault entry with no kind', withFaults('{ at: 5s }'), 's.yml:8:5: fault entry names no fault kind'],
    [
      'two kinds in one entry',
      withFaults('{ at: 5s, latency: { for: 1s, ms: 5 }, reset: {} }'),
      's.yml:8:44: one fault per entry',
    ],
    [
      'a bad fault parameter',
      withFaults('{ at: 5s, latency: { for: 5s, ms: -1 } }'),
      's.yml:8:39: ms: number -1 must be >= 1',
    ],
    [
      'an unknown broker mode',
      withFaults('{ at: 5s, broker-outage: { for: 5s, mode: restart } }'),
      's.yml:8:47: mode: string "restart" is not one of refuse, stop, restart-clean',
    ],
    [
      'a fault after the end',
      withFaults('{ at: 60s, reset: {} }'),
      's.yml:8:11: reset starts at 1m, not before the end of the timeline (1m)',
    ],
    [
      'an emit after the end',
      BASE_SCENARIO.replace('at: [10s]', 'at: [10s, 70s]'),
      's.yml:4:32: emit at 70s is not before the end of the timeline (1m)',
    ],
    [
      'both every and at',
      BASE_SCENARIO.replace('at: [10s]', 'at: [10s], every: 5s'),
      's.yml:4:5: traffic "button" has both `every` and `at`',
    ],
    [
      'neither every nor at',
      BASE_SCENARIO.replace('at: [10s]', 'direction: up'),
      's.yml:4:5: traffic "button" says neither `every` nor `at`',
    ],
    [
      'qos on up traffic',
      BASE_SCENARIO.replace('at: [10s]', 'at: [10s], qos: 1'),
      's.yml:4:33: `qos` applies to down traffic only',
    ],
    [
      'a class declared twice',
      BASE_SCENARIO.replace('traffic:\n', 'traffic:\n  - { class: button, every: 5s }\n'),
      's.yml:5:14: traffic class "button" is declared twice (first at line 4)',
    ],
    [
      'a policy for a class no traffic emits',
      `${BASE_SCENARIO}  buton: drop\n`,
      's.yml:7:3: policy for class "buton", which no traffic emits (did you mean "button"?)',
    ],
    [
      'a traffic class with no policy',
      BASE_SCENARIO.replace('traffic:\n', 'traffic:\n  - { class: alarm, at: [5s] }\n'),
      's.yml:4:14: traffic class "alarm" has no policy (add e.g. `alarm: drop` under policies)',
    ],
    [
      'an unknown policy',
      BASE_SCENARIO.replace('{ retry-within: 15s }', 'must-delivr'),
      's.yml:6:11: unknown policy "must-delivr" (did you mean "must-deliver"?)',
    ],
    [
      'a misspelt policy key',
      BASE_SCENARIO.replace('retry-within', 'retry-witin'),
      's.yml:6:13: unknown policy "retry-witin" (did you mean "retry-within"?)',
    ],
    [
      'retry-within without a deadline',
      BASE_SCENARIO.replace('{ retry-within: 15s }', 'retry-within'),
      's.yml:6:11: retry-within needs a deadline (write { retry-within: 15s })',
    ],
    [
      'an unknown policy option',
      BASE_SCENARIO.replace('15s }', '15s, duplicate: forbidden }'),
      's.yml:6:32: unknown key "duplicate" (did you mean "duplicates"?)',
    ],
    [
      'a unit-less deadline',
      BASE_SCENARIO.replace('15s }', '15 }'),
      's.yml:6:27: retry-within: 15 has no unit; write it with one, e.g. "15s" or "15ms"',
    ],
    [
      'an unknown check',
      `${BASE_SCENARIO}checks: [no-reboot, no-tracebak]\n`,
      's.yml:7:21: unknown check "no-tracebak" (did you mean "no-traceback"?)',
    ],
    [
      'a rack file among the scenarios: one error saying what it is',
      'boards:\n  - { id: picow-01, serial: /dev/ttyACM0 }\n',
      's.yml:1:1: this is a rack file (a boards: list, no duration), not a scenario (give it with --boards FILE, and keep it out of the scenarios folder)',
    ],
    [
      'no-hang declared: it is always judged',
      `${BASE_SCENARIO}checks: [no-hang]\n`,
      's.yml:7:10: unknown check "no-hang" (no-hang is judged on every board without being declared; remove it)',
    ],
    [
      'a check without its value',
      `${BASE_SCENARIO}checks: [reconnect-budget]\n`,
      's.yml:7:10: reconnect-budget needs a value (write { reconnect-budget: 6/min })',
    ],
    [
      'a malformed budget',
      `${BASE_SCENARIO}checks: [{ reconnect-budget: 6 per minute }]\n`,
      's.yml:7:30: reconnect-budget: string "6 per minute" is not a rate such as "6/min"',
    ],
    [
      'a check listed twice',
      `${BASE_SCENARIO}checks: [no-reboot, no-reboot]\n`,
      's.yml:7:21: check no-reboot is listed twice',
    ],
    [
      'an option of another model',
      `${BASE_SCENARIO}models: { simple: { queue-size: 3 } }\n`,
      's.yml:7:21: unknown key "queue-size"',
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`rejects ${what} with its position`, () => {
      const errors = scenarioErrors(text);
      expect(
        errors.some((e) => e.startsWith(expected)),
        errors.join('\n'),
      ).to.equal(true);
    });
  }

  describe('faults that overlap on the same board', () => {
    it('rejects two WiFi outages at once, pointing at the later', () => {
      expect(
        scenarioErrors(
          withFaults('{ at: 5s, wifi-outage: { for: 10s } }', '{ at: 8s, wifi-outage: { for: 5s } }'),
        ),
      ).to.deep.equal([
        's.yml:9:5: wifi-outage 8s-13s overlaps wifi-outage 5s-15s (line 8) on the same boards (both act on the network; let one end before the other starts)',
      ]);
    });

    it('rejects a WiFi outage inside a WiFi flap, and a half-open link during an outage', () => {
      const errors = scenarioErrors(
        withFaults(
          '{ at: 5s, flap: { fault: wifi-outage, down: 2s, up: 2s, for: 20s } }',
          '{ at: 10s, wifi-outage: { for: 1s } }',
          '{ at: 40s, wifi-outage: { for: 5s } }',
          '{ at: 42s, half-open: { for: 5s } }',
        ),
      );
      expect(errors).to.have.length(2);
      expect(errors[0]).to.match(/^s\.yml:9:5: wifi-outage 10s-11s overlaps flap 5s-25s \(line 8\)/);
      expect(errors[1]).to.match(/^s\.yml:11:5: half-open 42s-47s overlaps wifi-outage 40s-45s \(line 10\)/);
    });

    it('rejects the same toxic twice but allows different ones at once', () => {
      expect(
        scenarioErrors(
          withFaults(
            '{ at: 5s, latency: { for: 10s, ms: 100 } }',
            '{ at: 6s, latency: { for: 2s, ms: 500 } }',
          ),
        ),
      ).to.have.length(1);
      expect(
        scenarioErrors(
          withFaults(
            '{ at: 5s, latency: { for: 10s, ms: 100 } }',
            '{ at: 6s, bandwidth: { for: 2s, rate: 5 } }',
            '{ at: 7s, wifi-outage: { for: 2s } }',
          ),
        ),
      ).to.deep.equal([]);
    });

    it('allows back-to-back outages (one ends as the next starts)', () => {
      expect(
        scenarioErrors(
          withFaults('{ at: 5s, wifi-outage: { for: 5s } }', '{ at: 10s, wifi-outage: { for: 5s } }'),
        ),
      ).to.deep.equal([]);
    });

    it('allows overlapping outages on boards named apart', () => {
      expect(
        scenarioErrors(
          withFaults(
            '{ at: 5s, boards: { ids: [a] }, wifi-outage: { for: 10s } }',
            '{ at: 6s, boards: { ids: [b] }, wifi-outage: { for: 5s } }',
          ),
        ),
      ).to.deep.equal([]);
      expect(
        scenarioErrors(
          withFaults(
            '{ at: 5s, boards: { ids: [a] }, wifi-outage: { for: 10s } }',
            '{ at: 6s, boards: { tags: [x] }, wifi-outage: { for: 5s } }',
          ),
        ),
      ).to.have.length(1);
    });

    it('rejects a reboot inside a WiFi outage but not in the up phase of a flap', () => {
      expect(
        scenarioErrors(withFaults('{ at: 5s, wifi-outage: { for: 10s } }', '{ at: 7s, reboot: {} }'))[0],
      ).to.match(/^s\.yml:9:5: reboot at 7s falls inside wifi-outage 5s-15s \(line 8\)/);
      expect(
        scenarioErrors(
          withFaults(
            '{ at: 5s, flap: { fault: wifi-outage, down: 2s, up: 4s, for: 20s } }',
            '{ at: 8s, reboot: {} }',
          ),
        ),
      ).to.deep.equal([]);
    });

    it('rejects a broker restart aimed at some boards only, and a refuse during a restart', () => {
      const errors = scenarioErrors(
        withFaults(
          '{ at: 5s, boards: { ids: [a] }, broker-outage: { for: 5s, mode: restart-clean } }',
          '{ at: 20s, broker-outage: { for: 5s, mode: stop } }',
          '{ at: 22s, boards: { ids: [b] }, broker-outage: { for: 5s } }',
        ),
      );
      expect(errors).to.have.length(2);
      expect(errors[0]).to.match(
        /^s\.yml:8:15: broker-outage with mode restart-clean restarts the broker that every board shares/,
      );
      expect(errors[1]).to.match(
        /^s\.yml:10:5: broker-outage 22s-27s overlaps broker-outage 20s-25s \(line 9\)/,
      );
    });

    it('rejects a flap that is down for its whole length', () => {
      expect(
        scenarioErrors(
          withFaults('{ at: 5s, flap: { fault: wifi-outage, down: 10s, up: 2s, for: 10s } }'),
        )[0],
      ).to.match(/^s\.yml:8:49: flap is down 10s within a flap of 10s: that is one outage/);
    });
  });

  it('reports every problem of a file, not just the first', () => {
    const errors = scenarioErrors(`name: t
duration: 60
drain: -1s
traffic:
  - { class: a, at: [1s] }
  - { class: b, every: 2 }
faults:
  - { at: 5s, wifi-outgae: { for: 5s } }
policies:
  c: drop
checks: [no-rebot]
`);
    expect(errors.map((e) => e.split(': ')[0])).to.deep.equal([
      's.yml:2:11',
      's.yml:3:8',
      's.yml:5:14',
      's.yml:6:24',
      's.yml:8:15',
      's.yml:10:3',
      's.yml:11:10',
    ]);
  });
});
