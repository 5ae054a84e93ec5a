import { serialConsole } from '../board/open-board.js';
import type { BoardTransport } from '../board/transport.js';
import { type SerialPathSpec, serialPathYaml } from './serial-path.yaml.js';

/** A board on a local serial port named by its path (`serial: /dev/serial/by-id/...`). */
export const serialPath: BoardTransport<SerialPathSpec> = {
  kind: 'serial-path',
  label: serialPathYaml.label,
  advertise: serialPathYaml.advertise,
  rawRepl: true,
  yaml: serialPathYaml,
  describe: (s) => s.path,
  usesDevice: (s, d) => s.path === d.path || s.path === d.byId,
  open: async (board, spec) => serialConsole(spec.path, { board: board.id, baud: board.baud }),
};
