import type { BoardTransport } from '../board/transport.js';
import { qemuMicrobit } from './qemu-microbit.js';
import { serialPath } from './serial-path.js';
import { usb } from './usb.js';
import { virtual } from './virtual.js';

/**
 * The board transports, one line each; the opener (`open.ts`) picks one by a board's
 * `transport.kind`. They load serial, launcher and QEMU code: `config/` reads their boards.yml
 * sides from `yaml-registry.ts` instead.
 */
export const TRANSPORTS: readonly BoardTransport[] = [virtual, serialPath, usb, qemuMicrobit];
