/**
 * A virtual board: one process on the device end of a PTY pair, started by launcher.ts
 * with its spec as the only argument (JSON). It opens its end with serialport and runs the
 * agent; the parent learns it is ready over IPC, and the board exits when the parent goes.
 */
import { ReadlineParser, SerialPort } from 'serialport';
import { Agent, type AgentSpec } from './agent.js';

export interface VirtualBoardSpec extends AgentSpec {
  device: string;
  baud: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as VirtualBoardSpec;
  const port = new SerialPort({ path: spec.device, baudRate: spec.baud, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const agent = new Agent(spec, (text) => {
    port.write(text);
  });
  port.pipe(new ReadlineParser({ delimiter: '\n' })).on('data', (line: string) => agent.line(line));

  const exit = (code: number) => {
    agent.shutdown();
    port.close(() => process.exit(code));
    setTimeout(() => process.exit(code), 500).unref();
  };
  port.on('close', () => exit(0));
  port.on('error', (err) => {
    process.stderr.write(`serial: ${err.message}\n`);
    exit(1);
  });
  process.on('SIGTERM', () => exit(0));
  process.on('SIGINT', () => exit(0));
  // The launcher's end of the IPC channel closes when the harness dies: do not linger.
  process.on('disconnect', () => exit(0));
  // A simulator bug must not take the board off the line: log it where the launcher reads.
  process.on('unhandledRejection', (err) => {
    process.stderr.write(
      `virtual board ${spec.board}: unhandled ${err instanceof Error ? err.stack : String(err)}\n`,
    );
  });

  agent.boot();
  process.stdout.write(`virtual board ${spec.board} (${spec.model}) on ${spec.device}\n`);
  process.send?.({ ready: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`virtual board failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
