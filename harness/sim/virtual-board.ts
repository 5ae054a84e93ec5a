/**
 * A virtual board: its serial port on the device end of a PTY pair and the agent running its
 * model, inside a board host process (board-host.ts) that may run several. Stopping it does what
 * the end of a process of its own did: the app stops, every socket closes, the port closes.
 */
import { ReadlineParser, SerialPort } from 'serialport';
import { Agent, type AgentSpec } from './agent.js';

export interface VirtualBoardSpec extends AgentSpec {
  device: string;
  baud: number;
}

/** How long closing the serial port may take before stop() goes on without it (ms). */
const CLOSE_MS = 500;

export class VirtualBoard {
  #stopping: Promise<void> | undefined;

  private constructor(
    readonly spec: VirtualBoardSpec,
    private readonly port: SerialPort,
    readonly agent: Agent,
    private readonly silence: () => void,
  ) {}

  /**
   * Opens the device end and powers the board on (banner, hello, WiFi up, the app connects).
   * `log` gets its diagnostics, one line at a time; `down(why)` is called once if its serial line
   * goes away by itself (the board is then stopped). Rejects when the port cannot be opened.
   */
  static async start(
    spec: VirtualBoardSpec,
    log: (line: string) => void,
    down: (why: string) => void,
  ): Promise<VirtualBoard> {
    const port = new SerialPort({ path: spec.device, baudRate: spec.baud, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    let off = false;
    const agent = new Agent(
      spec,
      (text) => {
        // Nothing is written once the board is off (the port is closing).
        if (!off) port.write(text);
      },
      (text) => {
        for (const line of text.replace(/\n$/, '').split('\n')) log(line);
      },
    );
    const b = new VirtualBoard(spec, port, agent, () => {
      off = true;
    });
    port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => agent.line(line));
    const gone = (why: string) => {
      if (b.#stopping !== undefined) return;
      void b.stop();
      down(why);
    };
    port.on('close', () => gone('serial line closed'));
    port.on('error', (err) => gone(`serial: ${err.message}`));
    agent.boot();
    log(`virtual board ${spec.board} (${spec.model}) on ${spec.device}`);
    return b;
  }

  /** Powers the board off and closes its port; bounded, safe to call twice. */
  stop(): Promise<void> {
    this.#stopping ??= new Promise<void>((resolve) => {
      this.silence();
      this.agent.shutdown();
      this.agent.radio.closeAll();
      if (!this.port.isOpen) return resolve();
      const timer = setTimeout(resolve, CLOSE_MS);
      this.port.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.#stopping;
  }
}
