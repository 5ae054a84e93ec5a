/** What processes listen on, from Linux /proc: the TCP sockets in LISTEN that their fds hold. */
import { readdir, readFile, readlink } from 'node:fs/promises';

export interface Listener {
  pid: number;
  /** The process's command line, shortened. */
  command: string;
  host: string;
  port: number;
}

/** `root` and every process below it (by parent pid), each with its command line. */
export async function processTree(root: number): Promise<Map<number, string>> {
  const parent = new Map<number, number>();
  for (const name of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parent.set(Number(name), ppid);
  }
  const below = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined; p = parent.get(p)) if (p === root) return true;
    return false;
  };
  const tree = new Map<number, string>();
  for (const pid of [root, ...[...parent.keys()].filter(below)]) {
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
    if (cmd !== undefined) tree.set(pid, cmd.replaceAll('\0', ' ').trim().slice(0, 160));
  }
  return tree;
}

/** The TCP sockets in LISTEN held by `pids` (IPv4 and IPv6). */
export async function listeners(pids: ReadonlyMap<number, string>): Promise<Listener[]> {
  const found: Listener[] = [];
  for (const [pid, command] of pids) {
    const inodes = new Set<string>();
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const m = /^socket:\[(\d+)\]$/.exec(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''));
      if (m) inodes.add(m[1] as string);
    }
    if (inodes.size === 0) continue;
    for (const table of ['tcp', 'tcp6']) {
      const text = await readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
      for (const line of text.split('\n').slice(1)) {
        const f = line.trim().split(/\s+/);
        // sl local rem st tx:rx tr:when retrnsmt uid timeout inode
        if (f.length < 10 || f[3] !== '0A' || !inodes.has(f[9] as string)) continue;
        const [addr, port] = (f[1] as string).split(':') as [string, string];
        found.push({ pid, command, host: hostOf(addr), port: Number.parseInt(port, 16) });
      }
    }
  }
  return found;
}

/** /proc/net/tcp's hex address: 32-bit words in host (little-endian) order. */
function hostOf(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** 127.0.0.0/8, ::1, and IPv4-mapped loopback. */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./.test(host);
}
