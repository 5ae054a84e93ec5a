import { expect } from 'chai';
import { formatRecord } from '../../harness/broker/records.js';

describe('broker.log lines', () => {
  const connect = { t: 1500, kind: 'connect' as const, clientId: 'hil-b1', clean: true };

  it('marks what came before t = 0 as set-up, never 0.000s', () => {
    expect(formatRecord(connect, Number.NaN)).to.equal('setup connect hil-b1 clean=true');
  });

  it('times the rest from t = 0, and says where a client came from', () => {
    expect(formatRecord({ ...connect, from: { host: '127.0.0.1', port: 40112 } }, 1000)).to.equal(
      '0.500s connect hil-b1 clean=true from 127.0.0.1:40112',
    );
    expect(formatRecord({ ...connect, from: { host: '::1', port: 40112 } }, 1000)).to.equal(
      '0.500s connect hil-b1 clean=true from [::1]:40112',
    );
  });
});
