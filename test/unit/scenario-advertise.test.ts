import { expect } from 'chai';
import { brokerHostFor } from '../../harness/scenario/advertise.js';

describe('the address a board is told to connect to', () => {
  it('a proxy listening on a specific address advertises that address, never another interface', () => {
    expect(brokerHostFor('127.0.0.1', 'lan', {})).to.equal('127.0.0.1');
    expect(brokerHostFor('192.168.4.1', 'lan', { HIL_ADVERTISE_HOST: '10.0.0.9' })).to.equal('192.168.4.1');
  });

  it('only a wildcard listen advertises HIL_ADVERTISE_HOST (or an interface address)', () => {
    expect(brokerHostFor('0.0.0.0', 'lan', { HIL_ADVERTISE_HOST: '10.0.0.9' })).to.equal('10.0.0.9');
    expect(brokerHostFor('::', 'lan', { HIL_ADVERTISE_HOST: '10.0.0.9' })).to.equal('10.0.0.9');
    expect(brokerHostFor('0.0.0.0', 'lan', {}))
      .to.be.a('string')
      .and.not.equal('0.0.0.0');
  });

  it('boards on this host connect on loopback', () => {
    expect(brokerHostFor('0.0.0.0', 'loopback', { HIL_ADVERTISE_HOST: '10.0.0.9' })).to.equal('127.0.0.1');
  });
});
