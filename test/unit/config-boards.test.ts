import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { formatDiagnostic } from '../../harness/config/diagnostics.js';
import { loadBoards } from '../../harness/config/load-boards.js';
import { boards, boardsErrors } from './config-helpers.js';

const one = (extra = '') => `boards:
  - id: picow-01
    serial: /dev/ttyACM0
    listen: 0.0.0.0:21001
${extra}`;

describe('boards.yml', () => {
  it('loads a board with defaults filled in', () => {
    const { value, diagnostics } = boards(one());
    expect(diagnostics).to.deep.equal([]);
    expect(value?.broker.listen).to.deep.equal({ host: '127.0.0.1', port: 1883 });
    expect(value?.toxiproxy).to.deep.equal({ url: 'http://127.0.0.1:8474', manage: true });
    const b = value?.boards[0];
    expect(b).to.include({ id: 'picow-01', baud: 115200, status: 'enabled' });
    expect(b?.transport).to.deep.equal({ kind: 'serial-path', path: '/dev/ttyACM0' });
    expect(b?.listen).to.deep.equal({ host: '0.0.0.0', port: 21001 });
    expect(b?.wifi).to.deep.equal({ kind: 'agent' });
    expect(b?.origin).to.deep.equal({ file: 'boards.yml', line: 2, col: 5 });
  });

  it('fills virtual model options from the model defaults and the file', () => {
    const { value } = boards('boards:\n  - id: sim-r\n    virtual: { model: robust, reconnect-delay: 1s }\n');
    expect(value?.boards[0]?.virtual?.options).to.include({ 'reconnect-delay': '1s', qos: 0 });
    expect(value?.boards[0]?.transport).to.deep.include({ kind: 'virtual', model: 'robust' });
    expect(value?.boards[0]?.transport.options).to.deep.equal(value?.boards[0]?.virtual?.options);
    expect(value?.boards[0]?.firmware).to.equal('virtual-robust');
  });

  const cases: Array<[string, string, string]> = [
    ['an empty file', '', 'boards.yml:1:1: file is empty'],
    ['a comment-only file', '# nothing\n', 'boards.yml:1:1: file is empty'],
    ['broken YAML', 'boards: [\n', 'boards.yml:2:1: YAML'],
    ['a missing boards list', 'broker: {}\n', 'boards.yml:1:1: file: missing required key "boards"'],
    [
      'an unknown top-level key',
      `${one()}brokr: {}\n`,
      'boards.yml:5:1: unknown key "brokr" (did you mean "broker"?)',
    ],
    [
      'an unknown board key',
      one('    firmwre: x\n'),
      'boards.yml:5:5: unknown key "firmwre" (did you mean "firmware"?)',
    ],
    [
      'a wrong type',
      one('    baud: fast\n'),
      'boards.yml:5:11: baud: expected an integer, got string "fast"',
    ],
    [
      'a bad id',
      'boards:\n  - id: Pico_1\n    virtual: { model: simple }\n',
      'boards.yml:2:9: id: string "Pico_1" is not lower-case',
    ],
    [
      'an unquoted USB id',
      'boards:\n  - id: a\n    serial: { vid: 2e8a, pid: 0005 }\n    listen: 0.0.0.0:21001\n',
      'boards.yml:3:31: pid: expected a 4-digit hex product id in quotes',
    ],
    [
      'a misspelt USB key',
      'boards:\n  - id: a\n    serial: { vid: "2e8a", pdi: "0005" }\n    listen: 0.0.0.0:21001\n',
      'boards.yml:3:28: unknown key "pdi" (did you mean "pid"?)',
    ],
    [
      'an unknown model',
      'boards:\n  - id: a\n    virtual: { model: robus }\n',
      'boards.yml:3:23: model: string "robus" is not one of simple, robust, robust2, resilient (did you mean "robust"?)',
    ],
    [
      'an option of another model',
      'boards:\n  - id: a\n    virtual: { model: simple, queue-size: 5 }\n',
      'boards.yml:3:31: unknown key "queue-size"',
    ],
    [
      'a negative duration',
      'boards:\n  - id: a\n    virtual: { model: robust, reconnect-delay: -2s }\n',
      'boards.yml:3:48: reconnect-delay: "-2s" is negative; write a duration of 0 or more, e.g. "15s"',
    ],
    [
      'a unit-less duration',
      'boards:\n  - id: a\n    virtual: { model: robust, reconnect-delay: 2 }\n',
      'boards.yml:3:48: reconnect-delay: 2 has no unit; write it with one, e.g. "2s" or "2ms"',
    ],
    [
      'a bad wifi method',
      one('    wifi: radio\n'),
      'boards.yml:5:11: wifi: string "radio" is not one of agent, proxy',
    ],
    [
      'a reset with both line and command',
      one('    reset: { line: dtr, command: "x" }\n'),
      'boards.yml:5:12: reset has both `command` and `line`',
    ],
  ];
  for (const [what, text, expected] of cases) {
    it(`rejects ${what} with its position`, () => {
      const errors = boardsErrors(text);
      expect(
        errors.some((e) => e.startsWith(expected)),
        errors.join('\n'),
      ).to.equal(true);
    });
  }

  it('rejects duplicate board ids, pointing at the second', () => {
    const errors = boardsErrors(`boards:
  - id: a
    virtual: { model: simple }
  - id: a
    virtual: { model: robust }
`);
    expect(errors).to.deep.equal([
      'boards.yml:4:9: duplicate board id "a" (first at line 2) (board ids must be unique)',
    ]);
  });

  it('rejects two boards on one proxy port', () => {
    const errors = boardsErrors(`boards:
  - { id: a, serial: /dev/ttyACM0, listen: "0.0.0.0:21001" }
  - { id: b, serial: /dev/ttyACM1, listen: "127.0.0.1:21001" }
`);
    expect(errors).to.deep.equal([
      'boards.yml:3:44: port 21001 is already the proxy of board "a" (each board needs its own proxy port)',
    ]);
  });

  it('rejects two boards on one serial port, by path and by USB identity', () => {
    const errors = boardsErrors(`boards:
  - { id: a, serial: /dev/ttyACM0, listen: "0.0.0.0:21001" }
  - { id: b, serial: /dev/ttyACM0, listen: "0.0.0.0:21002" }
  - { id: c, serial: { vid: "2e8a", pid: "0005" }, listen: "0.0.0.0:21003" }
  - { id: d, serial: { vid: "2E8A", pid: "0005" }, listen: "0.0.0.0:21004" }
`);
    expect(errors).to.deep.equal([
      'boards.yml:3:22: serial port /dev/ttyACM0 is already used by board "a" (each board needs its own serial port)',
      'boards.yml:5:22: USB device 2e8a:0005:* is already used by board "c" (add serialNumber to tell boards with the same vid:pid apart)',
    ]);
  });

  it('resolves serial paths relative to the boards.yml file, and finds one device named twice', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-boards-'));
    try {
      await mkdir(join(dir, 'rack'));
      await mkdir(join(dir, 'dev', 'by-id'), { recursive: true });
      await writeFile(join(dir, 'dev', 'ttyFAKE0'), '');
      await symlink('../ttyFAKE0', join(dir, 'dev', 'by-id', 'usb-fake-if00'));
      const file = join(dir, 'rack', 'boards.yml');
      await writeFile(
        file,
        `boards:
  - { id: a, serial: ../dev/ttyFAKE0, listen: "0.0.0.0:21001" }
  - { id: b, serial: ../dev/ttyFAKE1, listen: "0.0.0.0:21002" }
`,
      );
      // Not the working folder's: the file's.
      const loaded = await loadBoards(file);
      expect(loaded.diagnostics).to.deep.equal([]);
      expect(loaded.value?.boards.map((b) => b.transport.path)).to.deep.equal([
        join(dir, 'dev', 'ttyFAKE0'),
        join(dir, 'dev', 'ttyFAKE1'),
      ]);
      await writeFile(
        file,
        `boards:
  - { id: a, serial: ../dev/ttyFAKE0, listen: "0.0.0.0:21001" }
  - { id: b, serial: ../dev/by-id/usb-fake-if00, listen: "0.0.0.0:21002" }
  - { id: c, serial: ./../dev/ttyFAKE0, listen: "0.0.0.0:21003" }
`,
      );
      expect((await loadBoards(file)).diagnostics.map(formatDiagnostic)).to.deep.equal([
        `${file}:3:22: serial port ${join(dir, 'dev', 'by-id', 'usb-fake-if00')} is already used by board "a" (each board needs its own serial port)`,
        `${file}:4:22: serial port ${join(dir, 'dev', 'ttyFAKE0')} is already used by board "a" (each board needs its own serial port)`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects ports in the ephemeral range, for boards and the broker', () => {
    const errors = boardsErrors(`broker: { listen: "127.0.0.1:40000" }
boards:
  - { id: a, serial: /dev/ttyACM0, listen: "0.0.0.0:50000" }
`);
    expect(errors).to.have.length(2);
    expect(errors[0]).to.match(/^boards\.yml:1:19: port 40000 is in the ephemeral range/);
    expect(errors[1]).to.match(
      /^boards\.yml:3:44: port 50000 is in the ephemeral range .*choose a port below 32768/,
    );
  });

  it('rejects a proxy on the broker port and a real board without serial or listen', () => {
    const errors = boardsErrors(`boards:
  - { id: a, serial: /dev/ttyACM0, listen: "0.0.0.0:1883" }
  - { id: b, listen: "0.0.0.0:21002" }
  - { id: c, serial: /dev/ttyACM2 }
`);
    expect(errors).to.deep.equal([
      "boards.yml:2:44: port 1883 is the broker's own port (the proxy must listen on another port than the broker)",
      'boards.yml:3:5: board "b" has no `serial` (give a path such as /dev/serial/by-id/... or { vid, pid, serialNumber }; or make it virtual)',
      'boards.yml:4:5: board "c" has no `listen` (a real board needs a proxy its firmware connects to, e.g. listen: 0.0.0.0:21001)',
    ]);
  });

  it('rejects a virtual board with a serial port', () => {
    const errors = boardsErrors(
      'boards:\n  - id: a\n    virtual: { model: simple }\n    serial: /dev/ttyACM0\n',
    );
    expect(errors).to.deep.equal([
      'boards.yml:4:5: virtual board "a" has a `serial` (a virtual board gets its serial line from a PTY: remove `serial`)',
    ]);
  });

  it('reports every problem of a file, not just the first', () => {
    const errors = boardsErrors(`toxiproxy: { mange: true }
boards:
  - { id: a, serial: /dev/ttyACM0, listen: "0.0.0.0:21001", baud: fast }
  - { id: a, virtual: { model: simple } }
`);
    expect(errors).to.have.length(3);
  });

  describe('mqtt: per-board broker logins', () => {
    it("takes a board's keys over defaults.mqtt, one by one, and keeps where the password is written", () => {
      const rack = boards(`defaults:
  mqtt: { username: rack, password-env: HIL_PW }
boards:
  - { id: a, virtual: { model: simple } }
  - id: b
    virtual: { model: simple }
    mqtt: { username: bee, password: s3cret }
  - { id: c, virtual: { model: simple }, mqtt: { username: sea } }
`).value!;
      expect(rack.boards.map((b) => b.mqtt)).to.deep.equal([
        { username: 'rack', passwordEnv: 'HIL_PW', origin: { file: 'boards.yml', line: 2, col: 41 } },
        { username: 'bee', password: 's3cret', origin: { file: 'boards.yml', line: 7, col: 38 } },
        { username: 'sea', passwordEnv: 'HIL_PW', origin: { file: 'boards.yml', line: 2, col: 41 } },
      ]);
    });

    it('leaves boards anonymous when nothing gives a login', () => {
      const rack = boards('boards:\n  - { id: a, virtual: { model: simple } }\n').value!;
      expect(rack.boards[0]?.mqtt).to.equal(undefined);
    });

    it('rejects a login without username or password, both passwords, and a bad variable name', () => {
      expect(
        boardsErrors(`defaults:
  mqtt: { password: p, password-env: X }
boards:
  - { id: a, virtual: { model: simple }, mqtt: { username: u, password-env: "1bad" } }
  - { id: b, virtual: { model: simple }, mqtt: { user: u } }
`),
      ).to.deep.equal([
        'boards.yml:2:24: mqtt has both `password` and `password-env` (give one)',
        'boards.yml:4:77: password-env: string "1bad" is not an environment variable name, e.g. HIL_MQTT_PASSWORD',
        'boards.yml:5:50: unknown key "user" (allowed here: username, password, password-env)',
      ]);
      expect(
        boardsErrors(`boards:
  - { id: a, virtual: { model: simple }, mqtt: { username: u } }
  - { id: c, virtual: { model: simple }, mqtt: { password: p } }
`),
      ).to.deep.equal([
        'boards.yml:2:48: mqtt has no `password` or `password-env` (give password-env: VARIABLE (read by hil run), or password: SECRET)',
        'boards.yml:3:48: mqtt has no `username` (MQTT sends a password only with a username: give mqtt.username)',
      ]);
    });

    it('with the embedded broker, every board has a login or none has', () => {
      const text = `boards:
  - { id: a, virtual: { model: simple }, mqtt: { username: u, password: p } }
  - { id: b, virtual: { model: simple } }
`;
      expect(boardsErrors(text)).to.deep.equal([
        'boards.yml:3:5: board "b" has no MQTT login, but board "a" has one (the embedded broker then refuses clients without one: give it mqtt: { username, password-env }, or put mqtt in defaults)',
      ]);
      // An external broker decides for itself: hil only hands the logins on.
      expect(boardsErrors(`broker: { url: "mqtt://broker.lab:1883" }\n${text}`)).to.deep.equal([]);
    });
  });
});
