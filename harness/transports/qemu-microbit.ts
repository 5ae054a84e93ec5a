import type { BoardTransport } from '../board/transport.js';
import type { QemuMicrobitOptions } from '../deploy/qemu-microbit.js';

/** A BBC micro:bit emulated by QEMU, with its options (firmware image, emulator, line speed). */
export interface QemuMicrobitSpec extends QemuMicrobitOptions {
  kind: 'qemu-microbit';
  readonly [param: string]: unknown;
}

/**
 * The QEMU micro:bit: real MicroPython (1.9) on a paced PTY. Not reachable from boards.yml
 * (it has no network, so it cannot join a run): the tests open it through the opener, and
 * `hil deploy` reaches it as a `serial` path.
 */
export const qemuMicrobit: BoardTransport<QemuMicrobitSpec> = {
  kind: 'qemu-microbit',
  label: 'QEMU micro:bit',
  advertise: 'loopback',
  rawRepl: true,
  describe: () => 'QEMU micro:bit',
  async open(board, spec) {
    const { kind: _kind, ...opts } = spec;
    const { startQemuMicrobit } = await import('../deploy/qemu-microbit.js');
    const { serialConsole } = await import('../board/open-board.js');
    const q = await startQemuMicrobit(opts);
    return serialConsole(q.path, { board: board.id, baud: board.baud, stop: () => q.stop() });
  },
};
