import { EventEmitter } from 'node:events';
import { expect } from 'chai';
import {
  type BoardProcess,
  boardsPerProcess,
  DEFAULT_PER_PROCESS,
  ended,
  ready,
} from '../../harness/sim/launcher.js';
import { HilError } from '../../harness/spec/errors.js';

/** A board process that does only what the test makes it do. */
class FakeProcess extends EventEmitter {
  pid = 4242;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  kills: string[] = [];
  /** Exit on SIGTERM / SIGKILL, or never. */
  constructor(private readonly exitsOn: 'SIGTERM' | 'SIGKILL' | 'never') {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.kills.push(signal);
    if (signal === this.exitsOn) setImmediate(() => this.exit(signal));
    return true;
  }
  exit(signal: NodeJS.Signals): void {
    this.signalCode = signal;
    this.emit('exit', null, signal);
  }
}

const asProcess = (p: FakeProcess) => p as unknown as BoardProcess;

describe('sim launcher: start and stop', () => {
  it('rejects when the ready signal comes late, and the late ready leaves stop() its exit listener', async () => {
    const child = new FakeProcess('SIGTERM');
    const err = await ready(asProcess(child), 'sim-late', 5).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HilError);
    expect((err as Error).message).to.equal(
      'virtual board "sim-late" did not start: no ready signal within 5 ms',
    );
    // The launcher stops the board; its ready message arrives while it is going.
    const stopping = ended(asProcess(child), 50);
    child.emit('message', { ready: true });
    await stopping;
    expect(child.kills).to.deep.equal(['SIGTERM']);
    expect(child.listenerCount('exit')).to.equal(0);
    expect(child.listenerCount('message')).to.equal(0);
  });

  it('resolves on ready and removes only its own listeners', async () => {
    const child = new FakeProcess('SIGTERM');
    const other = () => {};
    child.on('exit', other);
    const started = ready(asProcess(child), 'sim-ok', 1000);
    child.emit('message', { ready: true });
    await started;
    expect(child.listeners('exit')).to.deep.equal([other]);
  });

  it('stop() resolves, bounded, even when the process never exits', async () => {
    const child = new FakeProcess('never');
    const t0 = performance.now();
    await ended(asProcess(child), 20);
    expect(child.kills).to.deep.equal(['SIGTERM', 'SIGKILL']);
    expect(performance.now() - t0).to.be.below(1000);
  });

  it('kills with SIGKILL a process that ignores SIGTERM', async () => {
    const child = new FakeProcess('SIGKILL');
    await ended(asProcess(child), 20);
    expect(child.kills).to.deep.equal(['SIGTERM', 'SIGKILL']);
    expect(child.signalCode).to.equal('SIGKILL');
  });
});

describe('sim launcher: boards per host process', () => {
  it('takes the option, else HIL_BOARDS_PER_PROCESS, else the default', () => {
    expect(boardsPerProcess(3, { HIL_BOARDS_PER_PROCESS: '8' })).to.equal(3);
    expect(boardsPerProcess(undefined, { HIL_BOARDS_PER_PROCESS: '8' })).to.equal(8);
    expect(boardsPerProcess(undefined, {})).to.equal(DEFAULT_PER_PROCESS);
    expect(boardsPerProcess(undefined, { HIL_BOARDS_PER_PROCESS: '' })).to.equal(DEFAULT_PER_PROCESS);
  });

  it('refuses anything but a whole number >= 1, naming the variable', () => {
    for (const bad of ['0', '-2', '1.5', 'many'])
      expect(() => boardsPerProcess(undefined, { HIL_BOARDS_PER_PROCESS: bad }))
        .to.throw(HilError, /HIL_BOARDS_PER_PROCESS\) must be a whole number/)
        .with.property('code', 'HIL_E_CONFIG');
    expect(() => boardsPerProcess(0, {})).to.throw(HilError);
  });

  it('names a host in its own start error', async () => {
    const err = await ready(asProcess(new FakeProcess('never')), '', 5, 'board host process 7').catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).to.equal(
      'board host process 7 did not start: no ready signal within 5 ms',
    );
  });
});
