import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { listUsbSerial } from '../../harness/board/usb-ports.js';
import { HilError } from '../../harness/spec/errors.js';
import type { TransportSpec } from '../../harness/spec/types.js';
import { openBoard } from '../../harness/transports/open.js';
import { testBoard } from '../fixtures/board/test-board.js';
import { CP2102, makeUsbTree, PICO, PICO2, type UsbTree } from '../fixtures/board/usb-tree.js';

describe('USB serial ports from sysfs', () => {
  let tree: UsbTree;
  before(async () => {
    tree = await makeUsbTree([PICO, PICO2, CP2102], { platformTty: 'ttyS0' });
  });
  after(() => tree.remove());

  const scan = () => ({ sysRoot: tree.sysRoot, devRoot: tree.devRoot });
  /** The path the opener finds for a board on this transport (opening it opens no port yet). */
  const resolve = async (id: string, transport: TransportSpec) => {
    const board = await openBoard(testBoard(id, transport), { usb: scan() });
    await board.stop();
    return board.path;
  };

  it('lists CDC-ACM and usb-serial devices with their identity and by-id link, and nothing else', async () => {
    const found = await listUsbSerial(scan());
    expect(found).to.deep.equal([
      {
        path: join(tree.devRoot, 'ttyACM0'),
        byId: join(tree.devRoot, 'serial', 'by-id', PICO.byId),
        vid: '2e8a',
        pid: '0005',
        serialNumber: 'e66141040396',
        manufacturer: 'MicroPython',
        product: 'Board in FS mode',
      },
      { path: join(tree.devRoot, 'ttyACM1'), vid: '2e8a', pid: '0005', serialNumber: 'e66141040397' },
      {
        path: join(tree.devRoot, 'ttyUSB0'),
        vid: '10c4',
        pid: 'ea60',
        product: 'CP2102 USB to UART Bridge Controller',
      },
    ]);
  });

  it('finds nothing, without failing, where there is no sysfs', async () => {
    expect(await listUsbSerial({ sysRoot: '/nonexistent-sys', devRoot: '/nonexistent-dev' })).to.deep.equal(
      [],
    );
  });

  it('resolves a USB identity to its by-id link, hex case-insensitively', async () => {
    const path = await resolve('pico-1', {
      kind: 'usb',
      vid: '2E8A',
      pid: '0005',
      serialNumber: 'e66141040396',
    });
    expect(path).to.equal(join(tree.devRoot, 'serial', 'by-id', PICO.byId));
    const uart = await resolve('esp-1', { kind: 'usb', vid: '10c4', pid: 'ea60' });
    expect(uart).to.equal(join(tree.devRoot, 'ttyUSB0'));
  });

  it('keeps a path as given', async () => {
    expect(await resolve('b', { kind: 'serial-path', path: '/dev/ttyACM9' })).to.equal('/dev/ttyACM9');
  });

  it('names the board and what is present when no device matches', async () => {
    let err: unknown;
    await resolve('pico-9', { kind: 'usb', vid: '2e8a', pid: '000a' }).catch((e) => (err = e));
    expect(err).to.be.instanceOf(HilError);
    expect((err as HilError).code).to.equal('HIL_E_SERIAL');
    expect((err as HilError).message).to.match(/board pico-9: no usb 2e8a:000a is plugged in/);
    expect((err as HilError).message).to.contain('2e8a:0005/e66141040396');
    expect((err as HilError).message).to.contain('hil boards --scan');
  });

  it('asks for serialNumber when two devices share vid:pid', async () => {
    let err: unknown;
    await resolve('pico-2', { kind: 'usb', vid: '2e8a', pid: '0005' }).catch((e) => (err = e));
    expect((err as HilError).message).to.match(/2 devices match .*add serialNumber/);
  });

  it('refuses a board whose transport no registry line has', async () => {
    let err: unknown;
    await resolve('sim-1', { kind: 'rfc2217', url: 'rfc2217://lab:4001' }).catch((e) => (err = e));
    expect((err as HilError).code).to.equal('HIL_E_CONFIG');
    expect((err as HilError).message).to.match(/sim-1.*no board transport "rfc2217" \(transports: .*usb/);
  });

  it('finds a USB identity again at every open: a device back at another path is reopened there', async () => {
    const moving = await makeUsbTree([PICO2]);
    try {
      const usb = { sysRoot: moving.sysRoot, devRoot: moving.devRoot };
      const board = await openBoard(
        testBoard('pico-2', { kind: 'usb', vid: '2e8a', pid: '0005', serialNumber: 'e66141040397' }),
        { usb },
      );
      expect(board.path).to.equal(join(moving.devRoot, 'ttyACM1'));
      expect(board.comesBackAs).to.equal('usb 2e8a:0005 serial e66141040397');
      // Unplugged: opening says so (what the link sees while it waits).
      await rename(join(moving.devRoot, 'ttyACM1'), join(moving.root, 'parked'));
      await rename(join(moving.sysRoot, 'class', 'tty', 'ttyACM1'), join(moving.root, 'parked-sys'));
      let err: unknown;
      await board.open().catch((e) => (err = e));
      expect((err as HilError).message).to.match(
        /board pico-2: no usb 2e8a:0005 serial e66141040397 is plugged in/,
      );
      // Back, enumerated as ttyACM3: the next open looks it up there.
      await rename(join(moving.root, 'parked'), join(moving.devRoot, 'ttyACM3'));
      await rename(join(moving.root, 'parked-sys'), join(moving.sysRoot, 'class', 'tty', 'ttyACM3'));
      err = undefined;
      const port = await board.open().catch((e) => (err = e));
      if (!err) await (port as { close(): Promise<void> }).close();
      expect(board.path).to.equal(join(moving.devRoot, 'ttyACM3'));
      // The fake node is a plain file, no tty: opening it fails, naming the new path.
      expect((err as HilError).message).to.contain(
        `cannot open serial port ${join(moving.devRoot, 'ttyACM3')}`,
      );
      await board.stop();
    } finally {
      await moving.remove();
    }
  });
});
