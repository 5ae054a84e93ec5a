import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type LineFlags, pulseSteps, type ResettablePort, resetBoard } from '../../harness/deploy/reset.js';
import { resetCommand } from '../../harness/deploy/reset-command.js';
import type { HilError } from '../../harness/spec/errors.js';
import type { ResetMethod } from '../../harness/spec/types.js';

/** A port that records what the reset did to it, with the time of each line change. */
function recordingPort(fail?: string) {
  const sets: Array<{ flags: LineFlags; at: number }> = [];
  const written: string[] = [];
  const port: ResettablePort = {
    set: (flags, cb) => {
      sets.push({ flags: { ...flags }, at: performance.now() });
      cb(fail ? new Error(fail) : null);
    },
    write: (data, cb) => {
      written.push(typeof data === 'string' ? data : data.toString('latin1'));
      cb();
      return true;
    },
  };
  return { port, sets, written };
}

async function rejection(p: Promise<unknown>): Promise<HilError> {
  try {
    await p;
  } catch (err) {
    return err as HilError;
  }
  throw new Error('expected a rejection');
}

describe('raw REPL: board reset', () => {
  it('pulses DTR with RTS held inactive (on ESP auto-reset circuits DTR alone selects the bootloader)', async () => {
    const { port, sets } = recordingPort();
    await resetBoard({ kind: 'dtr' }, { board: 'b1', port });
    expect(sets.map((s) => s.flags)).to.deep.equal([
      { rts: false, dtr: true },
      { rts: false, dtr: false },
    ]);
    // 100 ms by default; timers may run late, never early.
    expect((sets[1]?.at ?? 0) - (sets[0]?.at ?? 0)).to.be.at.least(95);
  });

  it('pulses RTS the same way', async () => {
    const { port, sets } = recordingPort();
    await resetBoard({ kind: 'rts' }, { board: 'b1', port });
    expect(sets.map((s) => s.flags)).to.deep.equal([
      { dtr: false, rts: true },
      { dtr: false, rts: false },
    ]);
  });

  it('inverts both lines for boards wired the other way, with the pulse length asked for', async () => {
    const { port, sets } = recordingPort();
    await resetBoard({ kind: 'line', line: 'rts', invert: true, pulse: 30 }, { board: 'b1', port });
    expect(sets.map((s) => s.flags)).to.deep.equal([
      { dtr: true, rts: false },
      { dtr: true, rts: true },
    ]);
    expect((sets[1]?.at ?? 0) - (sets[0]?.at ?? 0)).to.be.at.least(25);
  });

  it('always names both lines (serialport would set an unnamed one to true)', () => {
    for (const line of ['dtr', 'rts'] as const)
      for (const invert of [false, true])
        for (const step of pulseSteps({ line, invert, pulse: 1 }))
          expect(Object.keys(step).sort()).to.deep.equal(['dtr', 'rts']);
  });

  it('says what to do when the port has no modem lines (a PTY)', async () => {
    const { port } = recordingPort('Inappropriate ioctl for device');
    const err = await rejection(resetBoard({ kind: 'dtr' }, { board: 'b1', port }));
    expect(err.code).to.equal('HIL_E_SERIAL');
    expect(err.message).to.match(
      /^b1: cannot set modem lines .*Inappropriate ioctl.*use reset: repl or a command/,
    );
  });

  it('resets through the REPL: interrupt, leave raw mode, soft reset', async () => {
    const { port, written } = recordingPort();
    await resetBoard({ kind: 'repl' }, { board: 'b1', port });
    expect(written).to.deep.equal(['\r\x03\x03\r\x02\x04']);
  });

  it('needs the port for a line or repl reset', async () => {
    const err = await rejection(resetBoard({ kind: 'rts' }, { board: 'b1' }));
    expect(err.message).to.equal("b1: a rts reset needs the board's serial port open");
  });

  it('runs a rack command with the board and its port in the environment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-reset-'));
    try {
      const out = join(dir, 'out');
      const method = shellCommand(`echo "$HIL_BOARD $HIL_SERIAL" > ${out}`);
      await resetBoard(method, { board: 'b1', path: '/dev/ttyUSB7' });
      expect((await readFile(out, 'utf8')).trim()).to.equal('b1 /dev/ttyUSB7');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with the command and what it printed when it exits non-zero', async () => {
    const err = await rejection(
      resetBoard(shellCommand('echo relay not found >&2; exit 3'), { board: 'b1' }),
    );
    expect(err.code).to.equal('HIL_E_BOARD');
    expect(err.message).to.equal(
      'b1: reset command failed (exit 3): echo relay not found >&2; exit 3: relay not found',
    );
  });

  it('stops a command that hangs', async () => {
    const err = await rejection(
      resetBoard(argvCommand('sleep 10'), { board: 'b1' }, { commandTimeoutMs: 200 }),
    );
    expect(err.code).to.equal('HIL_E_TIMEOUT');
  });

  it('runs a command without a shell: its words are arguments, never a second command', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hil-reset-'));
    try {
      const out = join(dir, 'o u t');
      // `;` and `>` inside quotes are one argument each; no shell reads them.
      await resetBoard(
        argvCommand(
          `node -e "require('fs').writeFileSync(process.argv[1], process.argv[2])" '${out}' 'a; rm -rf x > y'`,
        ),
        {
          board: 'b1',
        },
      );
      expect(await readFile(out, 'utf8')).to.equal('a; rm -rf x > y');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('reset commands from boards.yml', () => {
  it('splits a string as a shell would, and keeps a list as argv', () => {
    expect(resetCommand('uhubctl -l 1-1 -p 2 -a cycle', false)).to.deep.equal({
      kind: 'command',
      command: 'uhubctl -l 1-1 -p 2 -a cycle',
      argv: ['uhubctl', '-l', '1-1', '-p', '2', '-a', 'cycle'],
      shell: false,
    });
    expect(resetCommand(`relay --name "bench 2" 'off on'`, false)).to.include({ shell: false });
    expect(
      (resetCommand(`relay --name "bench 2" 'off on'`, false) as ResetMethod & { argv: string[] }).argv,
    ).to.deep.equal(['relay', '--name', 'bench 2', 'off on']);
    expect(resetCommand(['uhubctl', '-a', 'cycle'], false)).to.deep.equal({
      kind: 'command',
      command: 'uhubctl -a cycle',
      argv: ['uhubctl', '-a', 'cycle'],
      shell: false,
    });
  });

  it('refuses shell syntax without `shell: true`, naming it and the fix', () => {
    for (const [text, named] of [
      ['relay off && relay on', '&&'],
      ['echo $HIL_BOARD', '$HIL_BOARD'],
      ['reset.sh > /tmp/log', '>'],
      ['cycle /dev/ttyACM*', '/dev/ttyACM*'],
    ] as const) {
      const r = resetCommand(text, false);
      expect(r, text).to.have.property(
        'problem',
        `the reset command uses shell syntax (${named}), and it runs without a shell`,
      );
      expect((r as { hint: string }).hint).to.match(/^add `shell: true`/);
    }
    expect(resetCommand('relay off && relay on', true)).to.deep.equal({
      kind: 'command',
      command: 'relay off && relay on',
      argv: ['sh', '-c', 'relay off && relay on'],
      shell: true,
    });
    expect(resetCommand(['a', 'b'], true)).to.have.property(
      'problem',
      '`shell: true` needs `command` as one string',
    );
  });
});

function shellCommand(text: string): ResetMethod {
  return resetCommand(text, true) as ResetMethod;
}

function argvCommand(text: string): ResetMethod {
  const r = resetCommand(text, false);
  if ('problem' in r) throw new Error(r.problem);
  return r;
}
