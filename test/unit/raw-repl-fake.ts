/**
 * A pretend MicroPython board behind an in-memory byte stream: its REPL modes, the raw REPL,
 * raw-paste with flow control (or the "ra" answer of firmware before 1.14), and just enough of
 * Python to run the commands the deploy sends. Real firmware is tested in QEMU; this one makes
 * every protocol branch reachable and checks the host never oversteps the flow control.
 */
import { Duplex } from 'node:stream';
import { parsePyBytes, pyBytes } from '../../harness/deploy/py-literal.js';

export interface FakeOptions {
  /** true: raw-paste with this window; 'refused': answers R\x00; false: firmware before 1.14 ("ra"). */
  rawPaste?: boolean | 'refused';
  window?: number;
  /** Ctrl-C presses the running app swallows before it stops. */
  swallowInterrupts?: number;
  /** No os.stat (the micro:bit has os.size); no os.mkdir. */
  microbit?: boolean;
  /** Silent: answers nothing at all (a wrong baud rate, a dead board). */
  mute?: boolean;
  /** Bytes a file may hold before the filesystem is full. */
  capacity?: number;
  /** The error a write into a full filesystem raises (default 28, ENOSPC; the micro:bit may say 9). */
  fullErrno?: number;
  /**
   * No room left even to open a file: open() raises the micro:bit's own words (seen on
   * MicroPython 1.9 for the micro:bit in QEMU once not one block was free).
   */
  openFull?: boolean;
}

type Mode = 'app' | 'friendly' | 'raw' | 'paste';

/** Two ends of an in-memory serial line. */
export function bytePair(): [Duplex, Duplex] {
  const a: Duplex = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      b.push(chunk);
      cb();
    },
  });
  const b: Duplex = new Duplex({
    read() {},
    write(chunk, _enc, cb) {
      a.push(chunk);
      cb();
    },
  });
  return [a, b];
}

export class FakeMicroPython {
  readonly files = new Map<string, Buffer>();
  readonly dirs = new Set<string>();
  /** Every command executed, as received. */
  readonly commands: string[] = [];
  /** Longest burst the host sent in plain raw mode, Ctrl-D included. */
  longestPlainCommand = 0;
  /** Bytes the host sent in raw-paste beyond what the window allowed (must stay 0). */
  overrun = 0;
  softResets = 0;
  mainRuns = 0;
  mode: Mode = 'app';
  private line = Buffer.alloc(0);
  private interruptsLeft: number;
  private pasteGranted = 0;
  private pasteGot = 0;
  private globals = new Map<string, string>();
  private openFile: { name: string; data: Buffer[] } | undefined;
  private readPos = 0;
  private readName = '';

  constructor(
    private readonly io: Duplex,
    private readonly opts: FakeOptions = {},
  ) {
    this.interruptsLeft = opts.swallowInterrupts ?? 0;
    io.on('data', (chunk: Buffer) => {
      for (const byte of chunk) this.byte(byte);
    });
  }

  private say(text: string | Buffer): void {
    if (this.opts.mute) return;
    this.io.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  }

  private byte(c: number): void {
    switch (this.mode) {
      case 'app':
        if (c === 0x03) {
          if (this.interruptsLeft > 0) {
            this.interruptsLeft--;
            this.say('caught KeyboardInterrupt, going on\r\n');
            return;
          }
          this.say('Traceback (most recent call last):\r\nKeyboardInterrupt: \r\n>>> ');
          this.mode = 'friendly';
        }
        return;
      case 'friendly':
        if (c === 0x01) this.enterRaw();
        else if (c === 0x02) this.say('\r\nMicroPython v1.99 fake\r\n>>> ');
        else if (c === 0x04) {
          this.softResets++;
          this.mainRuns++;
          this.say('MPY: soft reboot\r\n@hil {"ev":"hello"}\r\n');
          this.mode = 'app';
        }
        return;
      case 'raw':
        this.rawByte(c);
        return;
      case 'paste':
        this.pasteByte(c);
        return;
    }
  }

  private enterRaw(): void {
    // From the normal REPL a newline comes first; a raw REPL reset prints just the banner.
    this.say(`${this.mode === 'friendly' ? '\r\n' : ''}raw REPL; CTRL-B to exit\r\n>`);
    this.line = Buffer.alloc(0);
    this.mode = 'raw';
  }

  private rawByte(c: number): void {
    // Raw-paste is asked for by \x05 A \x01 at the start of a command.
    if (this.opts.rawPaste !== false && this.line.length === 2 && this.line[0] === 0x05 && c === 0x01) {
      if (this.opts.rawPaste === 'refused') {
        this.say('R\x00');
        this.line = Buffer.alloc(0);
        return;
      }
      const w = Buffer.alloc(2);
      w.writeUInt16LE(this.opts.window ?? 32, 0);
      this.say(Buffer.concat([Buffer.from('R\x01', 'latin1'), w]));
      this.mode = 'paste';
      this.line = Buffer.alloc(0);
      this.pasteGranted = this.opts.window ?? 32;
      this.pasteGot = 0;
      return;
    }
    if (c === 0x01) {
      this.enterRaw();
      return;
    }
    if (c === 0x02) {
      this.mode = 'friendly';
      this.say('\r\nMicroPython v1.99 fake\r\n>>> ');
      return;
    }
    if (c === 0x03) {
      this.line = Buffer.alloc(0);
      return;
    }
    if (c === 0x04) {
      if (this.line.length === 0) {
        this.softResets++;
        this.globals.clear();
        this.say('OK\r\nMPY: soft reboot\r\nraw REPL; CTRL-B to exit\r\n>');
        return;
      }
      this.longestPlainCommand = Math.max(this.longestPlainCommand, this.line.length + 1);
      const code = this.line.toString('utf8');
      this.line = Buffer.alloc(0);
      this.say('OK');
      this.execute(code);
      return;
    }
    this.line = Buffer.concat([this.line, Buffer.from([c])]);
  }

  private pasteByte(c: number): void {
    if (c === 0x04) {
      this.say('\x04');
      const code = this.line.toString('utf8');
      this.line = Buffer.alloc(0);
      this.mode = 'raw';
      this.execute(code);
      return;
    }
    this.pasteGot++;
    if (this.pasteGot > this.pasteGranted) this.overrun++;
    this.line = Buffer.concat([this.line, Buffer.from([c])]);
    const window = this.opts.window ?? 32;
    // Grant the next window once this one is used up, as the firmware does when its buffer drains.
    if (this.pasteGot === this.pasteGranted) {
      this.pasteGranted += window;
      this.say('\x01');
    }
  }

  private execute(code: string): void {
    this.commands.push(code);
    const { out, err } = this.run(code);
    this.say(`${out}\x04${err}\x04>`);
  }

  private run(code: string): Result {
    for (const [pattern, handle] of this.statements) {
      const m = pattern.exec(code);
      if (m) return handle(m.slice(1) as string[]);
    }
    return fail(`NameError: name '${code.slice(0, 20)}' isn't defined`);
  }

  /** The Python this board knows: the statements the deploy sends, and print and raise. */
  private readonly statements: Array<[RegExp, (args: string[]) => Result]> = [
    [
      /^f=open\('([^']*)','wb'\)$/,
      ([name]) => {
        if (this.opts.openFull) return fail('OSError: no more storage space');
        this.openFile = { name: name as string, data: [] };
        return ok();
      },
    ],
    [
      /^def w\(b\):/,
      () => {
        this.globals.set('w', 'writer');
        return ok();
      },
    ],
    [/^w\((b'.*')\)$/s, ([lit]) => this.write(parsePyBytes(lit as string))],
    [
      /^f\.close\(\)$/,
      () => {
        if (this.openFile) this.files.set(this.openFile.name, Buffer.concat(this.openFile.data));
        this.openFile = undefined;
        return ok();
      },
    ],
    [/^import os$/, () => ok()],
    [
      /^print\(os\.stat\('([^']*)'\)\[6\]\)$/,
      ([name]) =>
        this.opts.microbit
          ? fail("AttributeError: 'module' object has no attribute 'stat'")
          : this.size(name),
    ],
    [/^print\(os\.size\('([^']*)'\)\)$/, ([name]) => this.size(name)],
    [
      /^try:\n os\.mkdir\('([^']*)'\)\nexcept OSError:\n pass$/,
      ([dir]) => {
        if (this.opts.microbit) return fail("AttributeError: 'module' object has no attribute 'mkdir'");
        this.dirs.add(dir as string);
        return ok();
      },
    ],
    [
      /^f=open\('([^']*)','rb'\)$/,
      ([name]) => {
        if (!this.files.has(name as string)) return fail('OSError: [Errno 2] ENOENT');
        this.readName = name as string;
        this.readPos = 0;
        return ok();
      },
    ],
    [
      /^print\(repr\(f\.read\((\d+)\)\)\)$/,
      ([n]) => {
        const data = this.files.get(this.readName) ?? Buffer.alloc(0);
        const part = data.subarray(this.readPos, this.readPos + Number(n));
        this.readPos += part.length;
        return ok(`${pyBytes(part)}\r\n`);
      },
    ],
    [/^print\((.*)\)$/s, ([text]) => ok(`${text}\r\n`)],
    [/^raise (.*)$/s, ([error]) => fail(error as string)],
  ];

  private write(piece: Buffer): Result {
    if (!this.openFile || !this.globals.has('w')) return fail("NameError: name 'w' isn't defined");
    const size = this.openFile.data.reduce((n, b) => n + b.length, 0);
    if (this.opts.capacity !== undefined && size + piece.length > this.opts.capacity)
      return fail(`OSError: ${this.opts.fullErrno ?? 28}`);
    this.openFile.data.push(piece);
    return ok();
  }

  private size(name: string | undefined): Result {
    const f = this.files.get(name as string);
    return f ? ok(`${f.length}\r\n`) : fail('OSError: [Errno 2] ENOENT');
  }
}

type Result = { out: string; err: string };

function ok(out = ''): Result {
  return { out, err: '' };
}

function fail(error: string): Result {
  return {
    out: '',
    err: `Traceback (most recent call last):\r\n  File "<stdin>", line 1, in <module>\r\n${error}\r\n`,
  };
}
