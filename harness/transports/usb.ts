import { serialConsole } from '../board/open-board.js';
import type { BoardTransport } from '../board/transport.js';
import { describeUsb, findUsbPath, matchesUsb } from '../board/usb-ports.js';
import { type UsbSpec, usbYaml } from './usb.yaml.js';

/** A board on the USB serial device with this vid:pid (and serial number), found when opened. */
export const usb: BoardTransport<UsbSpec> = {
  kind: 'usb',
  label: usbYaml.label,
  advertise: usbYaml.advertise,
  rawRepl: true,
  yaml: usbYaml,
  describe: describeUsb,
  usesDevice: (s, d) => matchesUsb(d, s),
  async open(board, spec, ctx) {
    const path = await findUsbPath(board.id, spec, ctx.usb);
    return serialConsole(path, { board: board.id, baud: board.baud });
  },
};
