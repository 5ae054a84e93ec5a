import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { proxyPath } from '../../harness/scenario/proxy-path.js';

const PROXY = 21001;
const BROKER = 1883;
const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');

/** A /proc with the given TCP rows (`[local port, remote port, state, inode]`) and processes. */
async function fakeProc(
  rows: Array<[number, number, string, number]>,
  procs: Array<{ pid: number; command: string; inodes: number[] }>,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'hil-proc-'));
  await mkdir(join(root, 'net'));
  const lines = rows.map(
    ([l, r, st, inode], i) =>
      `   ${i}: 0100007F:${hex(l)} 0100007F:${hex(r)} ${st} 00000000:00000000 00:00000000 00000000  1000        0 ${inode} 1`,
  );
  await writeFile(
    join(root, 'net', 'tcp'),
    ['  sl  local_address rem_address   st ...', ...lines].join('\n'),
  );
  await writeFile(join(root, 'net', 'tcp6'), '  sl  local_address\n');
  for (const p of procs) {
    await mkdir(join(root, String(p.pid), 'fd'), { recursive: true });
    await writeFile(join(root, String(p.pid), 'cmdline'), p.command.split(' ').join('\0'));
    for (const [i, inode] of p.inodes.entries())
      await symlink(`socket:[${inode}]`, join(root, String(p.pid), 'fd', String(i + 3)));
  }
  return root;
}

describe('does a board come through its proxy (/proc)', () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
  });
  const proc = async (...args: Parameters<typeof fakeProc>) => {
    const root = await fakeProc(...args);
    roots.push(root);
    return { proc: root };
  };
  const toxiproxy = (inodes: number[]) => ({
    pid: 100,
    command: '/opt/tools/bin/toxiproxy-server -port 8474',
    inodes,
  });

  it("through: the broker's client is a socket toxiproxy-server holds (the one listening on the proxy's port)", async () => {
    const root = await proc(
      [
        [PROXY, 0, '0A', 11],
        [40000, BROKER, '01', 12],
      ],
      [toxiproxy([11, 12])],
    );
    const from = { host: '127.0.0.1', port: 40000 };
    expect(await proxyPath({ from, proxyPort: PROXY, brokerPort: BROKER }, root)).to.deep.equal({
      via: 'proxy',
    });
  });

  it('direct: the connection is held by another process (the board itself)', async () => {
    const root = await proc(
      [
        [PROXY, 0, '0A', 11],
        [40001, BROKER, '01', 13],
      ],
      [toxiproxy([11]), { pid: 200, command: 'node fake-agent.ts', inodes: [13] }],
    );
    const from = { host: '127.0.0.1', port: 40001 };
    expect(await proxyPath({ from, proxyPort: PROXY, brokerPort: BROKER }, root)).to.deep.equal({
      via: 'direct',
      from,
    });
  });

  it('direct: a client on another host while toxiproxy-server runs on this one', async () => {
    const root = await proc([[PROXY, 0, '0A', 11]], [toxiproxy([11])]);
    const from = { host: '203.0.113.7', port: 50000 };
    expect(await proxyPath({ from, proxyPort: PROXY, brokerPort: BROKER }, root)).to.deep.equal({
      via: 'direct',
      from,
    });
  });

  it('unknown, never an error: no toxiproxy-server seen on the port, a local connection gone, no address', async () => {
    const forwarder = { pid: 300, command: 'docker-proxy -host-port 21001', inodes: [11] };
    let root = await proc([[PROXY, 0, '0A', 11]], [forwarder]);
    const from = { host: '203.0.113.7', port: 50000 };
    expect((await proxyPath({ from, proxyPort: PROXY, brokerPort: BROKER }, root)).via).to.equal('unknown');
    root = await proc([[PROXY, 0, '0A', 11]], [toxiproxy([11])]);
    const local = { host: '::ffff:127.0.0.1', port: 40002 };
    expect(await proxyPath({ from: local, proxyPort: PROXY, brokerPort: BROKER }, root)).to.deep.equal({
      via: 'unknown',
      why: 'the connection was gone before it was looked up',
    });
    expect((await proxyPath({ from: undefined, proxyPort: PROXY, brokerPort: BROKER }, root)).via).to.equal(
      'unknown',
    );
  });
});
