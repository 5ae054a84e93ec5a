import { existsSync } from 'node:fs';
import { BoardSession } from '../board/session.js';
import type { BoardConsole } from '../board/transport.js';
import { listUsbSerial, type UsbScanOptions, type UsbSerialDevice } from '../board/usb-ports.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadBoards } from '../config/load-boards.js';
import { EXIT } from '../spec/errors.js';
import type { BoardSpec, HostPort, RackSpec } from '../spec/types.js';
import { describeBoard, openBoardLink, transportOf } from '../transports/open.js';

export interface BoardsOptions {
  /** Rack file (default boards.yml). */
  boards: string;
  /** Say hello to every board and show its answer. */
  probe: boolean;
  /** List the USB serial devices present as boards.yml entries. */
  scan: boolean;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
  /** How long each board may take to answer hello (default 10 s). */
  probeTimeout?: number;
  /** Where USB devices are looked up (tests). */
  usb?: UsbScanOptions;
}

/**
 * `hil boards`: the rack as a table; `--probe` says hello to every board at once;
 * `--scan` prints the USB serial devices present as entries to paste.
 * Exit 0 ok, 2 bad boards.yml, 3 an enabled board failed its probe.
 */
export async function boardsCommand(opts: BoardsOptions): Promise<number> {
  const out = opts.out ?? process.stdout;
  const err = opts.err ?? opts.out ?? process.stderr;
  // --scan alone works without a rack file: it is how a first boards.yml is written.
  const needRack = !opts.scan || opts.probe || existsSync(opts.boards);
  let rack: RackSpec | undefined;
  if (needRack) {
    const loaded = await loadBoards(opts.boards);
    for (const d of loaded.diagnostics) err.write(`${formatDiagnostic(d)}\n`);
    if (!loaded.value) return EXIT.badInput;
    rack = loaded.value;
  }
  let code: number = EXIT.ok;
  if (rack) {
    const probes = opts.probe ? await Promise.all(rack.boards.map((b) => probe(b, rack, opts))) : undefined;
    const head = ['ID', 'PORT', 'FIRMWARE', 'TAGS', 'STATUS', ...(probes ? ['PROBE'] : [])];
    const rows = rack.boards.map((b, i) => [
      b.id,
      describeBoard(b),
      b.firmware || '-',
      b.tags.join(',') || '-',
      b.status,
      ...(probes ? [probes[i]?.text ?? ''] : []),
    ]);
    out.write(`${table([head, ...rows])}\n`);
    const failed = rack.boards.filter((_, i) => probes?.[i]?.ok === false);
    if (failed.some((b) => b.status === 'enabled')) code = EXIT.rackFailed;
    if (probes) {
      // A disabled board is not probed: it neither answered nor failed.
      const probed = rack.boards.filter((b) => b.status !== 'disabled').length;
      const skipped = rack.boards.length - probed;
      out.write(
        `${probed - failed.length} of ${probed} board(s) answered` +
          (failed.length ? `; failed: ${failed.map((b) => b.id).join(', ')}` : '') +
          (skipped ? `; ${skipped} disabled, not probed` : '') +
          '\n',
      );
    }
  }
  if (opts.scan) out.write(scanEntries(await listUsbSerial(opts.usb), rack));
  return code;
}

interface ProbeResult {
  ok: boolean;
  text: string;
}

async function probe(board: BoardSpec, rack: RackSpec, opts: BoardsOptions): Promise<ProbeResult> {
  if (board.status === 'disabled') return { ok: true, text: 'skipped (disabled)' };
  const timeout = opts.probeTimeout ?? 10_000;
  const started = performance.now();
  let session: BoardSession | undefined;
  let opened: BoardConsole | undefined;
  try {
    // A virtual board's client is pointed at the broker itself: a probe makes no proxy.
    const { board: found, link } = await openBoardLink(board, {
      broker: brokerOf(rack),
      usb: opts.usb,
    });
    opened = found;
    session = new BoardSession(link, { run: 'probe', idleProbe: 0 });
    const { event } = await session.hello(timeout);
    const ms = Math.round(performance.now() - started);
    const other = event.board && event.board !== board.id ? `, agent says board ${event.board}` : '';
    return {
      ok: true,
      text: `ok: agent ${event.agent}, boot ${event.boot}, fw ${event.fw || '?'}${other} (${ms} ms)`,
    };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // Messages name the board already; the table has it in its first column.
    return { ok: false, text: `FAILED: ${msg.replace(new RegExp(`^(board )?${board.id}: `), '')}` };
  } finally {
    await session?.close().catch(() => {});
    await opened?.stop().catch(() => {});
  }
}

function brokerOf(rack: RackSpec): HostPort {
  if (rack.broker.url) {
    const u = new URL(rack.broker.url);
    return { host: u.hostname, port: Number(u.port || 1883) };
  }
  return rack.broker.listen;
}

/** Columns padded to their widest cell. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows)
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The devices present as boards.yml entries; those already in the rack are marked. */
export function scanEntries(devices: UsbSerialDevice[], rack?: RackSpec): string {
  if (!devices.length) return '# no USB serial devices found (is the board plugged in, with a data cable?)\n';
  const used = new Set(rack?.boards.map((b) => b.listen?.port).filter((p) => p !== undefined));
  const ids = new Set(rack?.boards.map((b) => b.id));
  let port = 21001;
  let n = 1;
  const lines = [`# ${devices.length} USB serial device(s) present; paste under \`boards:\` in boards.yml`];
  for (const d of devices) {
    const known = rack?.boards.find((b) => transportOf(b).usesDevice?.(b.transport, d));
    const what = [d.product, d.manufacturer && `by ${d.manufacturer}`].filter(Boolean).join(' ');
    const where = `${what || 'USB serial device'} at ${d.path}`;
    if (known) {
      lines.push(`  # ${where}: already in boards.yml as ${known.id}`);
      continue;
    }
    while (ids.has(`board-${n}`)) n++;
    while (used.has(port)) port++;
    const sn = d.serialNumber ? `, serialNumber: "${d.serialNumber}"` : '';
    lines.push(`  # ${where}`);
    lines.push(`  - id: board-${n++}`);
    lines.push(`    serial: { vid: "${d.vid}", pid: "${d.pid}"${sn} }`);
    if (d.byId) lines.push(`    # or serial: ${d.byId}`);
    lines.push(`    listen: 0.0.0.0:${port++}`);
    lines.push('    firmware: ""');
    lines.push('    tags: []');
  }
  return `${lines.join('\n')}\n`;
}
