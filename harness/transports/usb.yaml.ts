import type { SchemaObject } from 'ajv';
import type { TransportYaml } from '../board/transport.js';
import type { UsbIdentity } from '../board/usb-ports.js';

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
export const usbYaml: TransportYaml<UsbSpec> = {
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
