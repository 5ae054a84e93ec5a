import { readdir, readFile, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HilError } from '../spec/errors.js';

/** A board's USB identity in boards.yml: hex ids, compared case-insensitively. */
export interface UsbIdentity {
  vid: string;
  pid: string;
  serialNumber?: string;
}

/** A USB serial device present on this host. */
export interface UsbSerialDevice {
  /** Device node, e.g. /dev/ttyACM0 (changes with plug order). */
  path: string;
  /** Stable /dev/serial/by-id link, when udev made one. */
  byId?: string;
  /** Four hex digits, lower case. */
  vid: string;
  pid: string;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
}

export interface UsbScanOptions {
  /** Where sysfs is (default /sys); tests point it at a fixture tree. */
  sysRoot?: string;
  /** Where device nodes are (default /dev). */
  devRoot?: string;
}

/**
 * Lists USB serial devices from sysfs and /dev/serial/by-id. `SerialPort.list()` needs
 * `udevadm`, which minimal hosts and containers lack; sysfs is always there on Linux.
 */
export async function listUsbSerial(opts: UsbScanOptions = {}): Promise<UsbSerialDevice[]> {
  const sys = opts.sysRoot ?? '/sys';
  const dev = opts.devRoot ?? '/dev';
  const byId = await byIdLinks(dev);
  const ttys = await readdir(join(sys, 'class', 'tty')).catch(() => [] as string[]);
  const found: UsbSerialDevice[] = [];
  for (const name of ttys.sort()) {
    const usb = await usbDeviceOf(join(sys, 'class', 'tty', name, 'device'));
    if (!usb) continue;
    const vid = await attr(usb, 'idVendor');
    const pid = await attr(usb, 'idProduct');
    if (!vid || !pid) continue;
    const serialNumber = await attr(usb, 'serial');
    const manufacturer = await attr(usb, 'manufacturer');
    const product = await attr(usb, 'product');
    const link = byId.get(name);
    found.push({
      path: join(dev, name),
      ...(link && { byId: link }),
      vid: vid.toLowerCase(),
      pid: pid.toLowerCase(),
      ...(serialNumber && { serialNumber }),
      ...(manufacturer && { manufacturer }),
      ...(product && { product }),
    });
  }
  return found;
}

/** The USB device directory above a tty's `device` link (interface, or usb-serial port below it). */
async function usbDeviceOf(deviceLink: string): Promise<string | undefined> {
  let dir: string;
  try {
    dir = await realpath(deviceLink);
  } catch {
    return undefined; // a virtual console or pty: no device
  }
  for (let i = 0; i < 4; i++) {
    if (await attr(dir, 'idVendor')) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

async function attr(dir: string, name: string): Promise<string | undefined> {
  try {
    const v = (await readFile(join(dir, name), 'utf8')).trim();
    return v || undefined;
  } catch {
    return undefined;
  }
}

/** tty name → /dev/serial/by-id/... link. */
async function byIdLinks(dev: string): Promise<Map<string, string>> {
  const dir = join(dev, 'serial', 'by-id');
  const links = new Map<string, string>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    try {
      links.set(basename(await realpath(join(dir, name))), join(dir, name));
    } catch {
      // a dangling link: the device just went away
    }
  }
  return links;
}

/** Does this device match a USB identity from boards.yml (hex compared case-insensitively)? */
export function matchesUsb(d: UsbSerialDevice, s: UsbIdentity): boolean {
  return (
    d.vid === s.vid.toLowerCase() &&
    d.pid === s.pid.toLowerCase() &&
    (s.serialNumber === undefined || d.serialNumber === s.serialNumber)
  );
}

export function describeUsb(s: UsbIdentity): string {
  return `usb ${s.vid}:${s.pid}${s.serialNumber ? ` serial ${s.serialNumber}` : ''}`;
}

/**
 * The path to open for a board's USB identity, looked up among the devices present: the by-id
 * link when there is one, as it survives re-plugging. HIL_E_SERIAL when none or several match.
 */
export async function findUsbPath(board: string, s: UsbIdentity, opts: UsbScanOptions = {}): Promise<string> {
  const present = await listUsbSerial(opts);
  const hits = present.filter((d) => matchesUsb(d, s));
  if (hits.length === 1) {
    const d = hits[0] as UsbSerialDevice;
    return d.byId ?? d.path;
  }
  const seen = present.length
    ? `present: ${present.map((d) => `${d.vid}:${d.pid}${d.serialNumber ? `/${d.serialNumber}` : ''} at ${d.path}`).join(', ')}`
    : 'no USB serial device is present';
  if (hits.length === 0)
    throw new HilError(
      'HIL_E_SERIAL',
      `board ${board}: no ${describeUsb(s)} is plugged in (${seen}); plug it in or fix boards.yml (\`hil boards --scan\` prints entries to paste)`,
    );
  throw new HilError(
    'HIL_E_SERIAL',
    `board ${board}: ${hits.length} devices match ${describeUsb(s)} (${hits.map((d) => d.path).join(', ')}); add serialNumber to tell them apart`,
  );
}
