import { expect } from 'chai';
import { boardLogin, loginProblems } from '../../harness/spec/mqtt-login.js';
import type { BoardSpec } from '../../harness/spec/types.js';
import { boards } from './config-helpers.js';

const rack = boards(`defaults:
  mqtt: { username: rack, password-env: HIL_PW }
boards:
  - { id: a, virtual: { model: simple } }
  - { id: b, virtual: { model: simple }, mqtt: { password: written } }
`);

describe('a board’s MQTT login, read when hil runs', () => {
  it('reads the password as written, or from the environment variable named', () => {
    const [a, b] = rack.value?.boards ?? [];
    expect(boardLogin(a as BoardSpec, { HIL_PW: 'from-env' })).to.deep.equal({
      username: 'rack',
      password: 'from-env',
    });
    expect(boardLogin(b as BoardSpec, {})).to.deep.equal({ username: 'rack', password: 'written' });
  });

  it('names the variable and where boards.yml names it when it is unset or empty', () => {
    const all = rack.value?.boards ?? [];
    expect(loginProblems(all, {})).to.deep.equal([
      'boards.yml:2: board a: its MQTT password comes from the environment variable HIL_PW, which is not set. Set it for hil run (a CI secret, say), or give mqtt.password.',
    ]);
    expect(loginProblems(all, { HIL_PW: '' })).to.have.length(1);
    expect(loginProblems(all, { HIL_PW: 'x' })).to.deep.equal([]);
  });

  it('a board without a login has none', () => {
    const plain = boards('boards:\n  - { id: a, virtual: { model: simple } }\n').value?.boards[0];
    expect(boardLogin(plain as BoardSpec, {})).to.equal(undefined);
  });

  it('an empty password is rejected by the loader', () => {
    const bad = boards(`boards:
  - { id: c, virtual: { model: simple }, mqtt: { username: sea, password: "" } }
`);
    expect(bad.diagnostics.map((d) => d.message)).to.deep.equal([
      'password: must NOT have fewer than 1 characters',
    ]);
  });
});
