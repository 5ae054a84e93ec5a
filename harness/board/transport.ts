import type { Duplex } from 'node:stream';
import type { SchemaObject } from 'ajv';
import type { BoardSpec, HostPort, ModelOptionValue, TransportSpec } from '../spec/types.js';
import type { UsbScanOptions, UsbSerialDevice } from './usb-ports.js';

/**
 * A board transport, in the style of serialport's bindings: one module per way of reaching a
 * board's console (a local serial path, a USB identity, a virtual board, the QEMU micro:bit),
 * each one entry of `transports/registry.ts`. The run, `hil boards`, `hil deploy` and resets
 * open boards only through it (`transports/open.ts`).
 *
 * A transport's module holds its boards.yml side (`yaml`) and loads its I/O (serialport, the
 * launcher, QEMU) only inside `open`, so the validator (`config/`) reads the registry without
 * loading any of it.
 */
export interface BoardTransport<S extends TransportSpec = TransportSpec> {
  kind: S['kind'];
  /** One word for messages: `board "x" is virtual`. */
  label: string;
  /**
   * Where the board's MQTT client finds this host: on `loopback` (a process on this host), or
   * over the `lan` (WiFi: the board needs a `listen` its firmware can reach).
   */
  advertise: 'loopback' | 'lan';
  /** Whether it runs MicroPython with a raw REPL (what `hil deploy` needs). */
  rawRepl: boolean;
  /** Its boards.yml side; absent for transports only tests open (the QEMU micro:bit). */
  yaml?: TransportYaml<S>;
  /** The PORT column of `hil boards`, e.g. `/dev/ttyACM0`, `usb 2e8a:0005`. */
  describe(spec: S): string;
  /** The local device the board's console is (for the check that no other program has it open), if any. */
  device?(spec: S): Promise<string | undefined>;
  /** Whether the USB device `hil boards --scan` found is this board's (so it is not offered again). */
  usesDevice?(spec: S, device: UsbSerialDevice): boolean;
  /** Finds or starts the board and its console; `stop()` undoes it. Errors are HilErrors naming the board. */
  open(board: BoardSpec, spec: S, ctx: TransportContext): Promise<BoardConsole>;
}

/** The boards.yml side of a transport: the key it reads, and how. No I/O. */
export interface TransportYaml<S extends TransportSpec> {
  kind: S['kind'];
  /** As the transport's. */
  label: string;
  /** As the transport's: `lan` boards need a `listen`. */
  advertise: 'loopback' | 'lan';
  /** The board key, e.g. `serial`; transports sharing a key tell their values apart by `accepts`. */
  key: string;
  /** What the key means, for the editor schema (the first transport of a key gives it). */
  about: string;
  /** This transport's values, and (`expect`) how a message names them: "a device path". */
  schema: SchemaObject;
  expect: string;
  /** A richer schema for editors (every model's options, say); default `schema`. */
  editorSchema?: SchemaObject;
  /** Whether a value of `key` is this transport's (checked in registry order). */
  accepts(value: unknown): boolean;
  /** A second check of a schema-valid value, at the key's position (a model's own options). */
  refine?(value: unknown): { value: unknown; schema: SchemaObject } | undefined;
  /** The board's transport spec from a valid value; `dir`: the folder of the boards.yml it came from (relative paths). */
  parse(value: unknown, at?: { dir: string }): S;
  /** Two boards may not share what this returns (a port): `what` names it in the message. */
  exclusive?(spec: S): { key: string; what: string; hint: string };
  /** What the board gets from its transport: the `firmware` shown when boards.yml gives none, a model. */
  fills?(spec: S): Partial<Pick<BoardSpec, 'firmware' | 'virtual'>>;
  /** Why another transport key cannot sit beside this one: "a virtual board gets its serial line from a PTY". */
  alone?: string;
}

/** What a run knows when it opens a board. */
export interface TransportContext {
  /** Where the board's MQTT client connects (its proxy); virtual boards need it at start. */
  broker?: HostPort;
  /** Model option overrides over the board's own (a scenario's `models:`), for virtual boards. */
  modelOptions?: Record<string, ModelOptionValue>;
  /** Diagnostics of the board's own process (not its console). */
  log?: (line: string) => void;
  /**
   * The run gives the board its `config` at once: a simulated board then connects only after it,
   * never with its built-in identity, whose kept session would outlive it (see AgentSpec).
   */
  waitForConfig?: boolean;
  /** Where USB devices are looked up (tests). */
  usb?: UsbScanOptions;
}

/** Modem lines as serialport's `set` takes them. */
export interface ModemLines {
  dtr: boolean;
  rts: boolean;
}

/** A board found or started: its console can be opened (again and again), and it can be stopped. */
export interface BoardConsole {
  /**
   * Where the console is, for messages and reset commands (HIL_SERIAL): a device path or a PTY;
   * where the last `open()` found it, for a USB identity.
   */
  readonly path: string;
  /**
   * Opens the console as a byte stream; once closed it may be opened again (deploy, then run).
   * Each open finds the device anew: a USB identity may come back at another path.
   */
  open(): Promise<ConsolePort>;
  /**
   * Set for hardware whose console can go away and come back (a USB cable unplugged, a
   * native-USB board's CDC port re-enumerating at every reset): what it is waited for as, in
   * messages (its path, or its USB identity). A line link on it reopens it (`openConsoleLink`).
   */
  comesBackAs?: string;
  /** Restarts the board's process, as a power cycle does (virtual boards); absent for hardware. */
  restart?(): Promise<void>;
  /** Ends what opening started (a board process, a PTY pair, QEMU); bounded, safe to call twice. */
  stop(): Promise<void>;
}

/** An open console. */
export interface ConsolePort {
  /** The console's bytes, both ways. */
  stream: Duplex;
  /**
   * Sets the modem lines, as serialport does (pass both: it fills the other with defaults);
   * fails where there are none (a PTY).
   */
  set(flags: ModemLines, cb: (err: Error | null) => void): void;
  close(): Promise<void>;
  /** Writes what the port takes at once without waiting: bytes written, 0 when it would block. */
  writeNow?(data: Buffer): number;
}
