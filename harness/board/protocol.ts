/**
 * The board agent's serial protocol (docs/agent-protocol.md): lines starting with
 * `@hil ` carry one compact JSON object; every other line is console output.
 * Decoding never throws: bad input becomes a `malformed` result that callers log and count.
 */
export const PREFIX = '@hil ';
export const AGENT_VERSION = '1';
/** Longer lines are cut off and counted: a board spewing binary must not grow memory. */
export const MAX_LINE = 4096;

/** The `config` op's fields: broker host:port, topic prefix, client id, MQTT login, model options. */
export interface ConfigFields {
  broker: string;
  topic: string;
  client_id: string;
  /** The board's MQTT login, when boards.yml gives one. */
  username?: string;
  password?: string;
  [option: string]: unknown;
}

export type HostOp =
  | { op: 'hello'; run: string }
  | ({ op: 'config' } & ConfigFields)
  | { op: 'emit'; cls: string; id: string }
  | { op: 'wifi'; up: boolean }
  | { op: 'reset' };

export type BoardEvent =
  | { ev: 'hello'; agent: string; board: string; fw: string; boot: number | string; t: number }
  | { ev: 'emitted'; id: string; cls: string; t: number }
  | { ev: 'published'; id: string }
  | { ev: 'dropped'; id: string; why: string }
  | { ev: 'received'; id: string; cls: string; seq: number; t: number; epoch?: number }
  | { ev: 'mqtt'; state: 'connecting' | 'connected' | 'disconnected' }
  | { ev: 'net'; state: 'up' | 'down' }
  | { ev: 'error'; msg: string };

export type Decoded =
  | { type: 'event'; event: BoardEvent }
  | { type: 'console'; line: string }
  | { type: 'malformed'; line: string; why: string };

const REQUIRED: Record<BoardEvent['ev'], Record<string, 'string' | 'number' | 'id' | 'boolean'>> = {
  hello: { agent: 'string', board: 'string', fw: 'string', boot: 'id', t: 'number' },
  emitted: { id: 'string', cls: 'string', t: 'number' },
  published: { id: 'string' },
  dropped: { id: 'string', why: 'string' },
  received: { id: 'string', cls: 'string', seq: 'number', t: 'number' },
  mqtt: { state: 'string' },
  net: { state: 'string' },
  error: { msg: 'string' },
};
const STATES = { mqtt: ['connecting', 'connected', 'disconnected'], net: ['up', 'down'] };

export function encodeOp(op: HostOp): string {
  return `${PREFIX}${JSON.stringify(op)}\n`;
}

export function encodeEvent(ev: BoardEvent): string {
  return `${PREFIX}${JSON.stringify(ev)}\n`;
}

/** Decodes one line (without its newline; a trailing \r is ignored). */
export function decodeLine(raw: string): Decoded {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const at = line.indexOf(PREFIX);
  // The prefix may follow console noise on the same line (a print without newline).
  if (at < 0) return { type: 'console', line };
  const body = line.slice(at + PREFIX.length);
  if (line.length > MAX_LINE)
    return { type: 'malformed', line: line.slice(0, 200), why: `line longer than ${MAX_LINE}` };
  let obj: unknown;
  try {
    obj = JSON.parse(body);
  } catch {
    return { type: 'malformed', line, why: 'invalid JSON' };
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
    return { type: 'malformed', line, why: 'not a JSON object' };
  const o = obj as Record<string, unknown>;
  const ev = o.ev;
  if (typeof ev !== 'string' || !(ev in REQUIRED))
    return { type: 'malformed', line, why: `unknown event ${JSON.stringify(ev)}` };
  for (const [field, type] of Object.entries(REQUIRED[ev as BoardEvent['ev']])) {
    const v = o[field];
    const ok = type === 'id' ? typeof v === 'string' || typeof v === 'number' : typeof v === type;
    if (!ok)
      return {
        type: 'malformed',
        line,
        why: `${ev}: field ${field} must be a ${type === 'id' ? 'string or number' : type}`,
      };
  }
  if ((ev === 'mqtt' || ev === 'net') && !STATES[ev].includes(o.state as string)) {
    return { type: 'malformed', line, why: `${ev}: unknown state ${JSON.stringify(o.state)}` };
  }
  return { type: 'event', event: o as BoardEvent };
}

/** Decodes a host op, for virtual boards (and tests) on the other end of the line. */
export function decodeOp(raw: string): HostOp | undefined {
  const line = raw.trim();
  if (!line.startsWith(PREFIX)) return undefined;
  try {
    const o = JSON.parse(line.slice(PREFIX.length)) as HostOp;
    return typeof o === 'object' && o !== null && typeof o.op === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
