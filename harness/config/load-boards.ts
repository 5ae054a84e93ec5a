import { dirname } from 'node:path';
import { resetCommand } from '../deploy/reset-command.js';
import { parseDuration } from '../spec/duration.js';
import { parseHostPort, portProblem } from '../spec/host-port.js';
import {
  type BoardSpec,
  DEFAULT_BAUD,
  DEFAULT_READY_MS,
  type MqttLoginSpec,
  type RackSpec,
  type ResetMethod,
  type TransportSpec,
  type WifiMethod,
} from '../spec/types.js';
import { TRANSPORT_YAML } from '../transports/registry.js';
import { boardsSchema } from './boards-schema.js';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { checkSchema, checkSections } from './schema-check.js';
import { type PathSegment, YamlSource } from './yaml-source.js';

type Raw = Record<string, unknown>;

export interface Loaded<T> {
  value?: T;
  diagnostics: Diagnostic[];
}

export const DEFAULT_BROKER_LISTEN = '127.0.0.1:1883';
export const DEFAULT_TOXIPROXY_URL = 'http://127.0.0.1:8474';

export async function loadBoards(file: string): Promise<Loaded<RackSpec>> {
  const { source, diagnostics } = await YamlSource.read(file);
  if (!source || diagnostics.length) return { diagnostics };
  return parseBoards(source);
}

export function parseBoards(source: YamlSource): Loaded<RackSpec> {
  const raw = source.value();
  // Section by section and board by board, so one mistake does not hide the others.
  const { diagnostics, valid } = checkSections(source, raw, boardsSchema);
  if (typeof raw !== 'object' || raw === null) return { diagnostics };
  const doc = raw as Raw;
  const broker = (valid.has('broker') ? doc.broker : {}) as Raw;
  const toxiproxy = (valid.has('toxiproxy') ? doc.toxiproxy : {}) as Raw;
  const defaults = (valid.has('defaults') ? doc.defaults : {}) as Raw;
  const boardSchema = boardsSchema.properties.boards.items;
  const rawBoards = Array.isArray(doc.boards) ? (doc.boards as Raw[]) : [];
  // The section check already reported these problems; this only learns which boards are sound.
  const validBoards = rawBoards.map(
    (b, i) => valid.has('boards') || checkSchema(source, b, boardSchema, ['boards', i]).length === 0,
  );

  if (broker.url !== undefined && broker.listen !== undefined) {
    diagnostics.push(
      source.at(
        ['broker', 'url'],
        'broker has both `listen` and `url`',
        'give `listen` for the embedded broker or `url` for an external one',
      ),
    );
  }
  const brokerListen = parseHostPort((broker.listen as string | undefined) ?? DEFAULT_BROKER_LISTEN);
  const brokerPortProblem = portProblem(brokerListen.port);
  if (brokerPortProblem)
    diagnostics.push(
      source.at(['broker', 'listen'], brokerPortProblem, 'choose a port below 32768, e.g. 1883'),
    );

  const defaultLogin = defaults.mqtt as Raw | undefined;
  if (defaultLogin?.password !== undefined && defaultLogin['password-env'] !== undefined)
    diagnostics.push(bothPasswords(source, ['defaults', 'mqtt']));

  const boards: BoardSpec[] = [];
  const byId = new Map<string, number>();
  const byPort = new Map<number, number>();
  /** What boards may not share (a serial port) → the first board's index. */
  const exclusive = new Map<string, number>();
  // Ids are compared on every board that has one, sound or not.
  rawBoards.forEach((b, i) => {
    if (typeof b?.id !== 'string') return;
    const dup = byId.get(b.id);
    if (dup === undefined) byId.set(b.id, i);
    else {
      const first = source.position(['boards', dup, 'id']).line;
      diagnostics.push(
        source.at(
          ['boards', i, 'id'],
          `duplicate board id "${b.id}" (first at line ${first})`,
          'board ids must be unique',
        ),
      );
    }
  });
  rawBoards.forEach((b, i) => {
    if (!validBoards[i]) return;
    const at = (key: string, ...rest: (string | number)[]) => ['boards', i, key, ...rest];
    const id = b.id as string;

    // The board's transport: the first of the registry whose key it has and whose value it takes.
    const keyed = TRANSPORT_YAML.filter((y) => b[y.key] !== undefined);
    const yaml = keyed.find((y) => y.accepts(b[y.key]));
    let listen: BoardSpec['listen'];
    if (typeof b.listen === 'string') {
      listen = parseHostPort(b.listen);
      const problem = portProblem(listen.port);
      if (problem)
        diagnostics.push(source.at(at('listen'), problem, 'choose a port below 32768, e.g. 21001'));
      const other = byPort.get(listen.port);
      if (other !== undefined) {
        diagnostics.push(
          source.at(
            at('listen'),
            `port ${listen.port} is already the proxy of board "${rawBoards[other]?.id}"`,
            'each board needs its own proxy port',
          ),
        );
      } else byPort.set(listen.port, i);
      if (listen.port === brokerListen.port && broker.url === undefined) {
        diagnostics.push(
          source.at(
            at('listen'),
            `port ${listen.port} is the broker's own port`,
            'the proxy must listen on another port than the broker',
          ),
        );
      }
    } else if (yaml?.advertise !== 'loopback') {
      diagnostics.push(
        source.at(
          ['boards', i],
          `board "${id}" has no \`listen\``,
          'a real board needs a proxy its firmware connects to, e.g. listen: 0.0.0.0:21001',
          'value',
        ),
      );
    }

    let spec: TransportSpec | undefined;
    if (yaml) {
      const value = b[yaml.key];
      for (const other of new Set(keyed.map((y) => y.key)))
        if (other !== yaml.key)
          diagnostics.push(
            source.at(
              at(other),
              `${yaml.label} board "${id}" has a \`${other}\``,
              `${yaml.alone ?? `a ${yaml.label} board is reached through \`${yaml.key}\``}: remove \`${other}\``,
              'key',
            ),
          );
      const refined = yaml.refine?.(value);
      if (refined) diagnostics.push(...checkSchema(source, refined.value, refined.schema, at(yaml.key)));
      // Paths in boards.yml are relative to the file, not to where hil runs.
      spec = yaml.parse(value, { dir: dirname(source.file) });
      const mine = yaml.exclusive?.(spec);
      if (mine) {
        const other = exclusive.get(mine.key);
        if (other !== undefined)
          diagnostics.push(
            source.at(
              at(yaml.key),
              `${mine.what} is already used by board "${rawBoards[other]?.id}"`,
              mine.hint,
            ),
          );
        else exclusive.set(mine.key, i);
      }
    } else {
      diagnostics.push(
        source.at(
          ['boards', i],
          `board "${id}" has no \`serial\``,
          'give a path such as /dev/serial/by-id/... or { vid, pid, serialNumber }; or make it virtual',
        ),
      );
    }

    const reset = parseReset(b.reset ?? defaults.reset ?? 'none', (msg, hint) =>
      diagnostics.push(source.at(b.reset !== undefined ? at('reset') : ['defaults', 'reset'], msg, hint)),
    );
    const mqtt = parseLogin(source, b.mqtt as Raw | undefined, defaultLogin, i, (d) => diagnostics.push(d));
    if (!yaml || !spec) return;
    const filled = yaml.fills?.(spec) ?? {};
    boards.push({
      id,
      transport: spec,
      ...(listen && { listen }),
      firmware: (b.firmware as string | undefined) ?? filled.firmware ?? '',
      tags: (b.tags as string[] | undefined) ?? [],
      reset,
      readyMs: parseDuration((b.ready ?? defaults.ready ?? '') as string) ?? DEFAULT_READY_MS,
      status: (b.status as BoardSpec['status'] | undefined) ?? 'enabled',
      ...(typeof b.reason === 'string' && { reason: b.reason }),
      baud: (b.baud as number | undefined) ?? (defaults.baud as number | undefined) ?? DEFAULT_BAUD,
      wifi: parseWifi((b.wifi ?? defaults.wifi ?? 'agent') as string | Raw),
      ...(filled.virtual && { virtual: filled.virtual }),
      ...(mqtt && { mqtt }),
      origin: { file: source.file, ...source.position(['boards', i]) },
    });
  });

  // The embedded broker checks logins once any board has one: a board without would be refused.
  const withLogin = boards.find((b) => b.mqtt);
  if (withLogin && broker.url === undefined) {
    for (const b of boards) {
      if (b.mqtt) continue;
      diagnostics.push(
        source.at(
          ['boards', rawBoards.findIndex((r) => r?.id === b.id)],
          `board "${b.id}" has no MQTT login, but board "${withLogin.id}" has one`,
          'the embedded broker then refuses clients without one: give it mqtt: { username, password-env }, or put mqtt in defaults',
          'value',
        ),
      );
    }
  }

  if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics) };
  return {
    diagnostics: [],
    value: {
      file: source.file,
      broker: { listen: brokerListen, ...(typeof broker.url === 'string' && { url: broker.url }) },
      toxiproxy: {
        url: (toxiproxy.url as string | undefined) ?? DEFAULT_TOXIPROXY_URL,
        manage: (toxiproxy.manage as boolean | undefined) ?? true,
      },
      boards,
    },
  };
}

/**
 * A board's `mqtt`, its keys over those of `defaults.mqtt` one by one (`password` and
 * `password-env` count as one: the password's source). Undefined when neither gives one.
 */
function parseLogin(
  source: YamlSource,
  own: Raw | undefined,
  defaults: Raw | undefined,
  i: number,
  report: (d: ReturnType<YamlSource['at']>) => void,
): MqttLoginSpec | undefined {
  if (own === undefined && defaults === undefined) return undefined;
  const ownPath: PathSegment[] = ['boards', i, 'mqtt'];
  const defaultsPath: PathSegment[] = ['defaults', 'mqtt'];
  if (own?.password !== undefined && own['password-env'] !== undefined)
    report(bothPasswords(source, ownPath));
  const hasPassword = (r: Raw | undefined) => r?.password !== undefined || r?.['password-env'] !== undefined;
  const from = hasPassword(own) ? own : hasPassword(defaults) ? defaults : undefined;
  const fromPath = from === own ? ownPath : defaultsPath;
  const where: PathSegment[] = own !== undefined ? ownPath : ['boards', i];
  const username = (own?.username ?? defaults?.username) as string | undefined;
  if (username === undefined)
    report(
      source.at(
        where,
        'mqtt has no `username`',
        'MQTT sends a password only with a username: give mqtt.username',
      ),
    );
  if (!from)
    report(
      source.at(
        where,
        'mqtt has no `password` or `password-env`',
        'give password-env: VARIABLE (read by hil run), or password: SECRET',
      ),
    );
  if (username === undefined || !from) return undefined;
  const key = from.password !== undefined ? 'password' : 'password-env';
  return {
    username,
    ...(from.password !== undefined
      ? { password: from.password as string }
      : { passwordEnv: from['password-env'] as string }),
    origin: { file: source.file, ...source.position([...fromPath, key]) },
  };
}

function bothPasswords(source: YamlSource, path: PathSegment[]): ReturnType<YamlSource['at']> {
  return source.at(
    [...path, 'password-env'],
    'mqtt has both `password` and `password-env`',
    'give one',
    'key',
  );
}

function parseWifi(raw: string | Raw): WifiMethod {
  if (raw === 'agent' || raw === 'proxy') return { kind: raw };
  const cmd = (raw as Raw).command as { down: string; up: string };
  return { kind: 'command', down: cmd.down, up: cmd.up };
}

function parseReset(raw: unknown, report: (msg: string, hint?: string) => void): ResetMethod[] {
  if (raw === 'none') return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((one) => parseResetMethod(one as string | Raw, report));
}

function parseResetMethod(raw: string | Raw, report: (msg: string, hint?: string) => void): ResetMethod {
  if (typeof raw === 'string') return { kind: raw as 'dtr' | 'rts' | 'repl' };
  if (raw.command !== undefined && raw.line !== undefined) {
    report('reset has both `command` and `line`', 'give one way to reset the board');
  }
  if (raw.command !== undefined) {
    if (raw.invert !== undefined || raw.pulse !== undefined)
      report('`invert` and `pulse` go with `line`, not `command`');
    const parsed = resetCommand(raw.command as string | string[], raw.shell === true);
    if ('problem' in parsed) report(parsed.problem, parsed.hint);
    return 'problem' in parsed ? { kind: 'command', command: '', argv: [], shell: false } : parsed;
  }
  if (raw.shell !== undefined) report('`shell` goes with `command`');
  if (raw.line === undefined)
    report('reset needs `line` (dtr or rts) or `command`', 'e.g. { line: dtr, invert: true, pulse: 100ms }');
  return {
    kind: 'line',
    line: (raw.line as 'dtr' | 'rts' | undefined) ?? 'dtr',
    invert: raw.invert === true,
    pulse: typeof raw.pulse === 'string' ? (parseDuration(raw.pulse) ?? 100) : 100,
  };
}
