import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BoardTransport, TransportYaml } from '../board/transport.js';

/** The device a path names: symbolic links followed when it exists (validation may run without the boards). */
function devicePath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** A serial port by path: a device node, a /dev/serial/by-id link, a PTY. */
export interface SerialPathSpec {
  kind: 'serial-path';
  path: string;
  readonly [param: string]: unknown;
}

/** `serial: /dev/serial/by-id/...`: a local serial port by its path. */
const serialPathYaml: TransportYaml<SerialPathSpec> = {
  kind: 'serial-path',
  label: 'serial',
  advertise: 'lan',
  key: 'serial',
  about: 'The serial port: a path (prefer /dev/serial/by-id/...) or a USB identity.',
  schema: { type: 'string', minLength: 1 },
  expect: 'a device path',
  accepts: (v) => typeof v === 'string',
  // A relative path is the boards.yml file's, made absolute here so every later use agrees.
  parse: (v, at) => ({ kind: 'serial-path', path: at ? resolve(at.dir, v as string) : (v as string) }),
  // Two spellings of one device (a by-id link and its ttyACM node) are one port.
  exclusive: (s) => ({
    key: `path:${devicePath(s.path)}`,
    what: `serial port ${s.path}`,
    hint: 'each board needs its own serial port',
  }),
};

/** A board on a local serial port named by its path (`serial: /dev/serial/by-id/...`). */
export const serialPath: BoardTransport<SerialPathSpec> = {
  kind: 'serial-path',
  label: serialPathYaml.label,
  advertise: serialPathYaml.advertise,
  rawRepl: true,
  yaml: serialPathYaml,
  describe: (s) => s.path,
  device: async (s) => s.path,
  usesDevice: (s, d) => s.path === d.path || s.path === d.byId,
  async open(board, spec) {
    // Loaded when a board is opened: the validator reads this module and must not load serialport.
    const { serialConsole } = await import('../board/open-board.js');
    return serialConsole(spec.path, { board: board.id, baud: board.baud, comesBackAs: spec.path });
  },
};
