import { freePort } from '../harness/network/free-port.js';
import type { BoardSpec, RackSpec, TransportSpec } from '../harness/spec/types.js';
import { testBoard } from '../test/fixtures/board/test-board.js';

/** A bench board: the tests' board spec (boards.yml's defaults), with `extra` over it. */
export function benchBoard(id: string, transport: TransportSpec, extra: Partial<BoardSpec> = {}): BoardSpec {
  return { ...testBoard(id, transport), origin: { file: 'bench', line: 1, col: 1 }, ...extra };
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
