import type { BrokerRecord } from '../broker/records.js';
import type { RawOp } from './recorder.js';

/** The topic prefix and MQTT client id the runner gives a board in `config`. */
export const topicPrefix = (board: string) => `hil/${board}`;
export const clientIdOf = (board: string) => `hil-${board}`;

const boardOfClient = (clientId: string, boards: ReadonlySet<string>): string | undefined => {
  const board = clientId.startsWith('hil-') ? clientId.slice(4) : undefined;
  return board && boards.has(board) ? board : undefined;
};

/**
 * Which board a broker record belongs to, and the history ops it becomes. A PUBLISH from a
 * client on `hil/<board>/<cls>` is a delivery (retained re-sends, $SYS, wills and the
 * runner's own publishes are not); connects and disconnects of `hil-<board>` are client events;
 * commands a restart-clean wiped from its session are `broker-forgot`; a refused login of
 * `hil-<board>` belongs to that board and makes no op.
 */
export function brokerOps(
  record: BrokerRecord,
  boards: ReadonlySet<string>,
): { board: string; ops: RawOp[] } | undefined {
  switch (record.kind) {
    case 'publish': {
      if (record.origin !== 'client' || record.id === undefined) return undefined;
      const m = /^hil\/([a-z0-9-]+)\/([a-z0-9][a-z0-9-]*)$/.exec(record.topic);
      if (!m || !boards.has(m[1] as string)) return undefined;
      return {
        board: m[1] as string,
        ops: [
          {
            t: record.t,
            kind: 'delivered',
            cls: m[2] as string,
            id: record.id,
            direction: 'up',
            topic: record.topic,
            qos: record.qos,
            dup: record.dup,
            ...(record.clientId !== undefined && { clientId: record.clientId }),
          },
        ],
      };
    }
    case 'connect':
    case 'disconnect': {
      const board = boardOfClient(record.clientId, boards);
      if (!board) return undefined;
      return {
        board,
        ops: [
          {
            t: record.t,
            kind: 'client',
            event: record.kind,
            clientId: record.clientId,
            ...(record.kind === 'connect' && { clean: record.clean }),
          },
        ],
      };
    }
    case 'forgot': {
      const board = boardOfClient(record.clientId, boards);
      if (!board) return undefined;
      return {
        board,
        ops: record.ids.map((id) => ({
          t: record.t,
          kind: 'broker-forgot' as const,
          id,
          why: record.detail,
        })),
      };
    }
    case 'refused': {
      // No op (the driver's not-ready reason tells it); the board's broker.log shows the line.
      const board = boardOfClient(record.clientId, boards);
      return board ? { board, ops: [] } : undefined;
    }
    case 'broker':
      return undefined;
    default: {
      const never: never = record;
      return never;
    }
  }
}
