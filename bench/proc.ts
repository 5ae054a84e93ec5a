// What /proc says of a process (Linux): CPU time and memory. Bench helpers, not the harness.
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const HZ = 100;

export interface ProcSample {
  /** user + system CPU time, ms. */
  cpuMs: number;
  /** Resident memory now and its peak (VmHWM), bytes. */
  rss: number;
  peakRss: number;
}

/** A process's CPU and memory; undefined once it is gone. */
export function sample(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) =>
      Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) * 1024;
    return { cpuMs, rss: kib('VmRSS'), peakRss: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** Median and percentiles of a list (nearest rank), and its max. */
export function stats(values: readonly number[]): { median: number; p90: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  return { median: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
}

export const MiB = 1024 * 1024;

/** `12.3` from bytes, in MiB. */
export function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

/**
 * The pids of this process's live children whose command line holds `name` (a zombie, state Z,
 * has exited and is left out), from /proc. E.g. the managed toxiproxy-server a run started.
 */
export async function childrenNamed(name: string): Promise<number[]> {
  const out: number[] = [];
  for (const pid of (await readdir('/proc')).filter((n) => /^\d+$/.test(n))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) !== process.pid || fields[0] === 'Z') continue;
    const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmd.includes(name)) out.push(Number(pid));
  }
  return out;
}
