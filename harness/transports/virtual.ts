import { serialConsole } from '../board/open-board.js';
import type { BoardTransport } from '../board/transport.js';
import { startVirtualBoard } from '../sim/launcher.js';
import { HilError } from '../spec/errors.js';
import { type VirtualTransportSpec, virtualYaml } from './virtual.yaml.js';

/**
 * A virtual board (`virtual: { model, ...options }`): a board process on one end of a PTY pair,
 * its MQTT client on this host's loopback. Started by `sim/launcher.ts` when opened.
 */
export const virtual: BoardTransport<VirtualTransportSpec> = {
  kind: 'virtual',
  label: virtualYaml.label,
  advertise: virtualYaml.advertise,
  rawRepl: false,
  yaml: virtualYaml,
  describe: (s) => `virtual PTY (${s.model})`,
  async open(board, spec, ctx) {
    if (!ctx.broker)
      throw new HilError(
        'HIL_E_CONFIG',
        `board "${board.id}" is virtual: starting it needs a broker address`,
      );
    const handle = await startVirtualBoard(board, spec, {
      broker: ctx.broker,
      ...(ctx.modelOptions && { options: ctx.modelOptions }),
      ...(ctx.log && { log: ctx.log }),
    });
    return serialConsole(handle.path, {
      board: board.id,
      baud: board.baud,
      stop: () => handle.stop(),
      restart: () => handle.restart(),
    });
  },
};
