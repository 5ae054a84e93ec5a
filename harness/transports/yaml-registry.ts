import type { TransportYaml } from '../board/transport.js';
import type { TransportSpec } from '../spec/types.js';
import { serialPathYaml } from './serial-path.yaml.js';
import { usbYaml } from './usb.yaml.js';
import { virtualYaml } from './virtual.yaml.js';

/**
 * The boards.yml side of the transports that boards.yml can name, one line each, in the order
 * of `registry.ts`. Nothing here does I/O: the validator (`config/`) reads this list.
 * Where two read the same key, the first whose `accepts` takes the value wins; where a board
 * has the keys of two, the first keeps it and the other key is reported.
 */
export const TRANSPORT_YAML: readonly TransportYaml<TransportSpec>[] = [virtualYaml, serialPathYaml, usbYaml];
