import { freePort } from '../harness/network/free-port.js';
import type { BoardSpec, RackSpec, TransportSpec } from '../harness/spec/types.js';

/** A bench board: `transport` as given, the rest as boards.yml's defaults (`extra` over them). */
export function benchBoard(id: string, transport: TransportSpec, extra: Partial<BoardSpec> = {}): BoardSpec {
  return {
    id,
    transport,
    firmware: '',
    tags: [],
    reset: { kind: 'none' },
    status: 'enabled',
    baud: 115200,
    wifi: { kind: 'agent' },
    origin: { file: 'bench', line: 1, col: 1 },
    ...extra,
  };
}

/** A rack of these boards: the embedded broker and a managed toxiproxy-server on free loopback ports. */
export async function benchRack(boards: BoardSpec[]): Promise<RackSpec> {
  return {
    file: 'bench',
    broker: { listen: { host: '127.0.0.1', port: 0 } },
    toxiproxy: { url: `http://127.0.0.1:${await freePort()}`, manage: true },
    boards,
  };
}
