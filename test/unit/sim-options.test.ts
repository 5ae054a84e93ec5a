import { expect } from 'chai';
import { startVirtualBoard } from '../../harness/sim/launcher.js';
import { MODEL_DEFAULTS, MODEL_NAMES } from '../../harness/sim/model-options.js';
import { MODELS } from '../../harness/sim/models/index.js';
import { ModelOptions } from '../../harness/sim/models/model.js';
import { optionProblems } from '../../harness/sim/options-check.js';
import { HilError } from '../../harness/spec/errors.js';
import type { BoardSpec } from '../../harness/spec/types.js';
import { openBoard } from '../../harness/transports/open.js';

const board = (options: Record<string, string | number | boolean> = {}): BoardSpec => ({
  id: 'sim-x',
  transport: { kind: 'virtual', model: 'robust', options },
  firmware: 'virtual-robust',
  tags: [],
  reset: [],
  readyMs: 30_000,
  status: 'enabled',
  baud: 115200,
  wifi: { kind: 'agent' },
  virtual: { model: 'robust', options },
  origin: { file: 'boards.yml', line: 1, col: 1 },
});

describe('sim model options', () => {
  it('has a model module for every model name, and its defaults pass the checks', () => {
    expect(Object.keys(MODELS).sort()).to.deep.equal([...MODEL_NAMES].sort());
    for (const m of MODEL_NAMES) expect(optionProblems(m, { ...MODEL_DEFAULTS[m] }), m).to.deep.equal([]);
  });

  it('names the option that is wrong and why', () => {
    expect(optionProblems('simple', { 'queue-size': 3 })[0]).to.match(
      /model simple has no option "queue-size"/,
    );
    expect(optionProblems('robust', { 'reconnect-delay': '2' })[0]).to.match(/"reconnect-delay".*duration/);
    expect(optionProblems('robust', { qos: 2 })[0]).to.match(/"qos" is 2; expected one of 0, 1/);
    expect(optionProblems('robust2', { 'queue-size': 0 })[0]).to.match(/integer ≥ 1/);
    expect(optionProblems('robust', { version: '1.0' })).to.deep.equal([]);
    expect(optionProblems('robust', { version: '2.0' })[0]).to.match(
      /"version" is "2.0"; expected one of 1.0.3, 1.0/,
    );
    expect(optionProblems('robust2', { version: '1.0' })[0]).to.match(
      /model robust2 has no option "version"/,
    );
  });

  it('reads durations as ms and refuses values of the wrong type', () => {
    const o = new ModelOptions({ 'reconnect-delay': '2s', keepalive: '250ms', qos: 1, resubscribe: true });
    expect(o.ms('reconnect-delay')).to.equal(2000);
    expect(o.ms('keepalive')).to.equal(250);
    expect(o.qos('qos')).to.equal(1);
    expect(o.flag('resubscribe')).to.equal(true);
    expect(() => o.flag('qos')).to.throw(HilError, /"qos" is 1; expected true or false/);
    expect(() => o.ms('socket-timeout')).to.throw(HilError, /missing/);
    const v = new ModelOptions({ version: '1.0', qos: 1 });
    expect(v.oneOf('version', ['1.0.3', '1.0'])).to.equal('1.0');
    expect(() => v.oneOf('qos', ['1.0.3', '1.0'])).to.throw(
      HilError,
      /"qos" is 1; expected one of "1.0.3", "1.0"/,
    );
  });

  it('refuses to launch a board with a bad option, before making a PTY', async () => {
    const err = await openBoard(board(), {
      broker: { host: '127.0.0.1', port: 1 },
      modelOptions: { 'reconnect-dealy': '1s' },
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).code).to.equal('HIL_E_CONFIG');
    expect((err as Error).message).to.match(/sim-x.*no option "reconnect-dealy"/);
  });

  it('refuses an unknown model, and a virtual board without a broker to point it at', async () => {
    const unknown = { ...board(), transport: { kind: 'virtual', model: 'robus', options: {} } };
    const err = await startVirtualBoard(unknown, unknown.transport, {
      broker: { host: '127.0.0.1', port: 1 },
    }).catch((e: unknown) => e);
    expect((err as HilError).code).to.equal('HIL_E_CONFIG');
    expect((err as Error).message).to.match(/sim-x.*no virtual model "robus"/);
    const noBroker = await openBoard(board()).catch((e: unknown) => e);
    expect((noBroker as HilError).code).to.equal('HIL_E_CONFIG');
    expect((noBroker as Error).message).to.match(/sim-x.*needs a broker address/);
  });
});
