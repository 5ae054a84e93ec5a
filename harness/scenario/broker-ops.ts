import type { BrokerRecord } from '../broker/records.js';
import type { RawOp } from './recorder.js';

/** The topic prefix and MQTT client id the runner gives a board in `config`. */
export const topicPrefix = (board: string) => `hil/${board}`;
export const clientIdOf = (board: string) => `hil-${board}`;

/**
 * Which board a broker record belongs to, and the history op it becomes. A PUBLISH from a
 * client on `hil/<board>/<cls>` is a delivery (retained re-sends, $SYS, wills and the
 * runner's own publishes are not); connects and disconnects of `hil-<board>` are client events.
 */
export function brokerOp(
  record: BrokerRecord,
  boards: ReadonlySet<string>,
): { board: string; op: RawOp } | undefined {
  switch (record.kind) {
    case 'publish': {
      if (record.origin !== 'client' || record.id === undefined) return undefined;
      const m = /^hil\/([a-z0-9-]+)\/([a-z0-9][a-z0-9-]*)$/.exec(record.topic);
      if (!m || !boards.has(m[1] as string)) return undefined;
      return {
        board: m[1] as string,
        op: {
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
      };
    }
    case 'connect':
    case 'disconnect': {
      const board = record.clientId.startsWith('hil-') ? record.clientId.slice(4) : undefined;
      if (!board || !boards.has(board)) return undefined;
      return {
        board,
        op: {
          t: record.t,
          kind: 'client',
          event: record.kind,
          clientId: record.clientId,
          ...(record.kind === 'connect' && { clean: record.clean }),
        },
      };
    }
    case 'broker':
      return undefined;
    default: {
      const never: never = record;
      return never;
    }
  }
}
