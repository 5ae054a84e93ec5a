import type { BoardTransport, TransportYaml } from '../board/transport.js';
import type { TransportSpec } from '../spec/types.js';
import { micropython } from './micropython.js';
import { qemuMicrobit } from './qemu-microbit.js';
import { serialPath } from './serial-path.js';
import { usb } from './usb.js';
import { virtual } from './virtual.js';

/**
 * The board transports, one line each; the opener (`open.ts`) picks one by a board's
 * `transport.kind`, and the validator (`config/`) reads their boards.yml sides in this order:
 * where two read the same key, the first whose `accepts` takes the value wins; where a board
 * has the keys of two, the first keeps it and the other key is reported. Each loads its
 * serial, launcher or QEMU code only when it opens a board, so reading this list does no I/O.
 */
export const TRANSPORTS: readonly BoardTransport[] = [virtual, serialPath, usb, qemuMicrobit, micropython];

/** The boards.yml sides, in registry order (transports only tests open have none). */
export const TRANSPORT_YAML: readonly TransportYaml<TransportSpec>[] = TRANSPORTS.flatMap((t) =>
  t.yaml ? [t.yaml as TransportYaml<TransportSpec>] : [],
);
