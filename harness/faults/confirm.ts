/**
 * Seeing a fault act: a fault counts when its effect is seen, not when it is sent. Each kind's
 * `apply` starts one of these before it acts and hands the result on as `Applied.confirmed`.
 */
import type { Toxic } from '../network/toxiproxy.js';
import type { BoardOp, FaultContext, Seen } from './context.js';

/** A watch in progress: `result` settles once; `settle` decides now with what was seen so far. */
export interface BoardWatch {
  result: Promise<Seen>;
  /** Ends the watch now: not seen yet gives `unseen`. */
  settle(): void;
}

/**
 * Watches the board's ops (agent events, broker connects and disconnects) until `judge` answers
 * or `withinMs` has passed, then `unseen`. `judge` gets the op and ms since the watch began.
 * Undefined when the run gives no way to watch (then nothing is recorded).
 */
export function watchBoard(
  ctx: FaultContext,
  withinMs: number,
  judge: (op: BoardOp, afterMs: number) => Seen | undefined,
  unseen: string,
): BoardWatch | undefined {
  const watch = ctx.board.watch;
  if (!watch) return undefined;
  const now = ctx.now ?? (() => performance.now());
  const began = now();
  let resolve: (s: Seen) => void = () => {};
  const result = new Promise<Seen>((r) => {
    resolve = r;
  });
  let done = false;
  const finish = (s: Seen) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    unwatch();
    resolve(s);
  };
  const unwatch = watch((op) => {
    const s = judge(op, Math.round(now() - began));
    if (s) finish(s);
  });
  const timer = setTimeout(() => finish({ confirmed: false, seen: unseen }), withinMs);
  timer.unref?.();
  return { result, settle: () => finish({ confirmed: false, seen: unseen }) };
}

/** Seen at once: a state read back (Toxiproxy's toxics, the broker stopped). */
export function seenNow(confirmed: boolean, seen: string): Promise<Seen> {
  return Promise.resolve({ confirmed, seen });
}

/** Toxiproxy lists every toxic of `list` on the board's proxy. Never rejects. */
export async function toxicsListed(ctx: FaultContext, list: readonly Toxic[]): Promise<Seen> {
  try {
    const names = new Set(await ctx.proxy.toxicNames());
    const missing = list.filter((t) => !names.has(t.name)).map((t) => t.name);
    return missing.length
      ? { confirmed: false, seen: `Toxiproxy does not list ${missing.join(', ')} on proxy ${ctx.board.id}` }
      : {
          confirmed: true,
          seen: `Toxiproxy lists the ${list[0]?.type ?? ''} toxics on proxy ${ctx.board.id}`,
        };
  } catch (err) {
    return {
      confirmed: false,
      seen: `Toxiproxy could not be asked for its toxics: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

/** The agent answered the `name` op with `error` (its message names the op): its reason, no confirmation. */
export function agentRefused(op: BoardOp, name: string): Seen | undefined {
  return op.kind === 'agent-error' && op.msg.includes(name)
    ? { confirmed: false, seen: `the agent answered the ${name} op with error: ${op.msg}` }
    : undefined;
}
