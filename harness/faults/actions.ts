/**
 * Making and healing faults: the two calls the runner makes, `applyFault` and `healFault`, which
 * look the kind up in the registry and record real start and end times.
 */
import { HilError } from '../spec/errors.js';
import type { Applied, FaultContext, FaultHandle, Seen } from './context.js';
import type { FaultDefinition, LinkEffect } from './kind.js';
import { faultDefinition, isFaultKind } from './registry.js';

interface Live {
  applied: Applied;
  ctx: FaultContext;
  effect: LinkEffect;
  healing?: Promise<void>;
  /** Records "not seen by the end of the run" unless already recorded. */
  confirmClose?: () => void;
}
const live = new WeakMap<FaultHandle, Live>();

function definitionOf(kind: string): FaultDefinition<unknown> {
  if (!isFaultKind(kind)) throw new HilError('HIL_E_CONFIG', `no fault kind "${kind}"`);
  return faultDefinition(kind);
}

/** Why this board cannot have this fault (no agent, no command, external broker ...), or undefined. */
export function faultProblem(kind: string, params: unknown, ctx: FaultContext): string | undefined {
  return definitionOf(kind).problem?.(ctx, params);
}

/**
 * Makes the fault (params as the kind's `parse` returns them) and records its real start.
 * A board that cannot have it fails with HIL_E_BOARD: never skipped.
 */
export async function applyFault(kind: string, params: unknown, ctx: FaultContext): Promise<FaultHandle> {
  const now = ctx.now ?? (() => performance.now());
  const def = definitionOf(kind);
  const problem = def.problem?.(ctx, params);
  if (problem) throw new HilError('HIL_E_BOARD', `${kind} on ${ctx.board.id}: ${problem}`);
  const requested = now();
  let applied: Applied;
  try {
    applied = await def.apply(ctx, params);
  } catch (err) {
    throw explain(err, `${kind} on ${ctx.board.id} could not be applied`);
  }
  const start = applied.at ?? now();
  const effect = def.effect(params);
  const down = effect === 'down';
  const handle: FaultHandle = { kind, board: ctx.board.id, down, detail: applied.detail, requested, start };
  const state: Live = { applied, ctx, effect };
  live.set(handle, state);
  ctx.record({
    t: start,
    board: ctx.board.id,
    fault: kind,
    phase: 'start',
    down,
    effect,
    detail: applied.detail,
  });
  if (ctx.confirm && applied.confirmed) recordConfirmation(state, handle, applied.confirmed, start);
  return handle;
}

/** Records whether the fault acted when its watch settles, never before its start. */
function recordConfirmation(state: Live, handle: FaultHandle, seen: Promise<Seen>, start: number): void {
  const { ctx } = state;
  const now = ctx.now ?? (() => performance.now());
  let done = false;
  const put = (s: Seen) => {
    if (done) return;
    done = true;
    ctx.confirm?.({ t: Math.max(now(), start), board: handle.board, fault: handle.kind, ...s });
  };
  state.confirmClose = () => put({ confirmed: false, seen: 'not seen to act by the end of the run' });
  seen.then(put, (err: unknown) =>
    put({
      confirmed: false,
      seen: `could not be watched: ${err instanceof Error ? err.message : String(err)}`,
    }),
  );
}

/**
 * The end of a run: every applied fault whose confirmation has not come yet is recorded as not
 * seen to act (a watch that outlives the run decides nothing).
 */
export function closeConfirmations(handles: Iterable<FaultHandle>): void {
  for (const h of handles) live.get(h)?.confirmClose?.();
}

/** Removes exactly what `applyFault` made and records the real end. Safe to call twice. */
export function healFault(handle: FaultHandle): Promise<void> {
  const state = live.get(handle);
  if (!state)
    return Promise.reject(
      new Error(`healFault: ${handle.kind} on ${handle.board} was not made by applyFault`),
    );
  state.healing ??= (async () => {
    const { applied, ctx, effect } = state;
    let note: unknown;
    try {
      note = await applied.heal();
    } catch (err) {
      throw explain(err, `${handle.kind} on ${handle.board} could not be healed`);
    }
    handle.end = (ctx.now ?? (() => performance.now()))();
    const detail = typeof note === 'string' && note ? `${handle.detail}; ${note}` : handle.detail;
    ctx.record({
      t: handle.end,
      board: handle.board,
      fault: handle.kind,
      phase: 'end',
      down: handle.down,
      effect,
      detail,
    });
  })();
  return state.healing;
}

/** The final heal: every handle not yet healed, all at once. Returns the failures (empty when all healed). */
export async function healAll(handles: Iterable<FaultHandle>): Promise<Error[]> {
  const results = await Promise.allSettled([...handles].filter((h) => h.end === undefined).map(healFault));
  return results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
}

function explain(err: unknown, what: string): HilError {
  if (err instanceof HilError) return new HilError(err.code, `${what}: ${err.message}`, { cause: err });
  const message = err instanceof Error ? err.message : String(err);
  return new HilError('HIL_E_BOARD', `${what}: ${message}`, { cause: err });
}
