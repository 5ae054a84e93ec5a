import type { SchemaObject } from 'ajv';
import type { BoardTransport, TransportYaml } from '../board/transport.js';
import { describeUsb, matchesUsb, type UsbIdentity } from '../board/usb-ports.js';

/** A USB serial device by identity, looked up when the board is opened. */
export interface UsbSpec extends UsbIdentity {
  kind: 'usb';
  readonly [param: string]: unknown;
}

const hexId = (what: string): SchemaObject => ({
  type: 'string',
  pattern: '^[0-9a-fA-F]{4}$',
  'x-expect': `a 4-digit hex ${what} in quotes, e.g. "2e8a"`,
  description: `USB ${what}, 4 hex digits. Quote it: YAML reads 0005 as the number 5.`,
});

/** `serial: { vid, pid, serialNumber }`: the USB serial device with this identity. */
const usbYaml: TransportYaml<UsbSpec> = {
  kind: 'usb',
  label: 'USB',
  advertise: 'lan',
  key: 'serial',
  about: 'The serial port: a path (prefer /dev/serial/by-id/...) or a USB identity.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['vid', 'pid'],
    properties: {
      vid: hexId('vendor id'),
      pid: hexId('product id'),
      serialNumber: { type: 'string', minLength: 1, description: 'USB serial number.' },
    },
  },
  expect: '{ vid, pid, serialNumber }',
  accepts: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  parse: (v) => {
    const { vid, pid, serialNumber } = v as UsbIdentity;
    return { kind: 'usb', vid, pid, ...(serialNumber !== undefined && { serialNumber }) };
  },
  exclusive: (s) => {
    const id = `${s.vid.toLowerCase()}:${s.pid.toLowerCase()}:${s.serialNumber ?? '*'}`;
    return {
      key: `usb:${id}`,
      what: `USB device ${id}`,
      hint: s.serialNumber
        ? 'each board needs its own serial port'
        : 'add serialNumber to tell boards with the same vid:pid apart',
    };
  },
};

/** A board on the USB serial device with this vid:pid (and serial number), found when opened. */
export const usb: BoardTransport<UsbSpec> = {
  kind: 'usb',
  label: usbYaml.label,
  advertise: usbYaml.advertise,
  rawRepl: true,
  yaml: usbYaml,
  describe: describeUsb,
  async device(s) {
    const { findUsbPath } = await import('../board/usb-ports.js');
    // Not plugged in, or ambiguous: opening the board says so, with the fix.
    return findUsbPath('', s).catch(() => undefined);
  },
  usesDevice: (s, d) => matchesUsb(d, s),
  async open(board, spec, ctx) {
    const { findUsbPath } = await import('../board/usb-ports.js');
    const { serialConsole } = await import('../board/open-board.js');
    // Found now, so a board not plugged in fails at once; found again at every open, since a
    // device that went away may come back at another /dev path.
    const locate = () => findUsbPath(board.id, spec, ctx.usb);
    return serialConsole(await locate(), {
      board: board.id,
      baud: board.baud,
      locate,
      comesBackAs: describeUsb(spec),
    });
  },
};
