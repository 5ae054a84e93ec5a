import { readdir, readFile, readlink, realpath } from 'node:fs/promises';

/** A process holding a port or a device: its pid and its command line as `ps` would show it. */
export interface Holder {
  pid: number;
  command: string;
}

/** Where the kernel lists sockets and processes; tests point it at a fake tree. */
export interface ProcRoot {
  proc?: string;
}

/**
 * The processes listening on TCP `port` (any address), from /proc/net/tcp{,6} and each process's
 * open files. Linux only; elsewhere, or where /proc hides other users' processes, the list is
 * empty (never an error: this only makes an error message better).
 */
export async function portHolders(port: number, opts: ProcRoot = {}): Promise<Holder[]> {
  const proc = opts.proc ?? '/proc';
  const inodes = await socketInodes(proc, (s) => s.listening && s.localPort === port);
  if (inodes.size === 0) return [];
  return holdersOf(holdsSocket(inodes), proc);
}

/**
 * The processes holding the TCP connection whose own end has port `localPort` and whose far end
 * has port `remotePort` (any addresses, any state), from /proc like `portHolders`. `undefined`
 * when /proc lists no such connection (its far end is on another host, or it is gone); an
 * empty list when none of the processes looked at (`among`, default all but this one) holds it.
 */
export async function connectionHolders(
  localPort: number,
  remotePort: number,
  opts: ProcRoot & { among?: readonly number[] } = {},
): Promise<Holder[] | undefined> {
  const proc = opts.proc ?? '/proc';
  const inodes = await socketInodes(
    proc,
    (s) => !s.listening && s.localPort === localPort && s.remotePort === remotePort,
  );
  if (inodes.size === 0) return undefined;
  return holdersOf(holdsSocket(inodes), proc, opts.among);
}

interface SocketRow {
  localPort: number;
  remotePort: number;
  listening: boolean;
}

/** The inodes of the TCP sockets (v4 and v6) that `wanted` picks, from /proc/net/tcp{,6}. */
async function socketInodes(proc: string, wanted: (s: SocketRow) => boolean): Promise<Set<string>> {
  const inodes = new Set<string>();
  const port = (address: string) => Number.parseInt(address.split(':')[1] ?? '', 16);
  for (const table of ['net/tcp', 'net/tcp6']) {
    const text = await readFile(`${proc}/${table}`, 'utf8').catch(() => '');
    for (const row of text.split('\n').slice(1)) {
      // sl local_address rem_address st ... inode: "0: 0100007F:075B 00000000:0000 0A ... 12345"
      const f = row.trim().split(/\s+/);
      const [local, remote, state, inode] = [f[1], f[2], f[3], f[9]];
      if (!local || !remote || !inode || inode === '0') continue;
      // 0A: LISTEN
      const s = { localPort: port(local), remotePort: port(remote), listening: state === '0A' };
      if (wanted(s)) inodes.add(inode);
    }
  }
  return inodes;
}

/** An fd link names one of these sockets. */
function holdsSocket(inodes: ReadonlySet<string>): (fdTarget: string) => boolean {
  return (target) => {
    const m = /^socket:\[(\d+)\]$/.exec(target);
    return m !== null && inodes.has(m[1] as string);
  };
}

/** The processes with `path` (a serial device, a PTY) open, other than this one. */
export async function pathHolders(path: string, opts: ProcRoot = {}): Promise<Holder[]> {
  const proc = opts.proc ?? '/proc';
  const real = await realpath(path).catch(() => path);
  return holdersOf((target) => target === real || target === path, proc);
}

/** `pid 4242 (mosquitto -c /etc/mosquitto/mosquitto.conf)`, or undefined for nobody seen. */
export function describeHolders(holders: readonly Holder[]): string | undefined {
  if (holders.length === 0) return undefined;
  return holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ');
}

/** `among`: look only at these pids (default: every process). */
async function holdersOf(
  matches: (fdTarget: string) => boolean,
  proc: string,
  among?: readonly number[],
): Promise<Holder[]> {
  const pids = (among ? among.map(String) : await readdir(proc).catch(() => [] as string[])).filter(
    (n) => /^\d+$/.test(n) && Number(n) !== process.pid,
  );
  const out: Holder[] = [];
  for (const pid of pids) {
    const fds = await readdir(`${proc}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '');
      if (!matches(target)) continue;
      out.push({ pid: Number(pid), command: await commandOf(proc, pid) });
      break;
    }
  }
  return out;
}

async function commandOf(proc: string, pid: string): Promise<string> {
  const cmdline = await readFile(`${proc}/${pid}/cmdline`, 'utf8').catch(() => '');
  const args = cmdline.split('\0').filter(Boolean);
  if (args.length) return args.join(' ').slice(0, 120);
  return (await readFile(`${proc}/${pid}/comm`, 'utf8').catch(() => '?')).trim();
}
