/**
 * Making and healing faults: the registry of appliers (one `<kind>.apply.ts` per kind) and the
 * two calls the runner makes, `applyFault` and `healFault`, which record real start and end times.
 */
import { HilError } from '../spec/errors.js';
import { bandwidthAction } from './bandwidth.apply.js';
import { brokerOutageAction } from './broker-outage.apply.js';
import type { Applied, FaultAction, FaultContext, FaultHandle, FaultParams } from './context.js';
import { flapAction } from './flap.apply.js';
import { halfOpenAction } from './half-open.apply.js';
import { latencyAction } from './latency.apply.js';
import { rebootAction } from './reboot.apply.js';
import { type FaultKindName, faultDefinition, isFaultKind } from './registry.js';
import { resetAction } from './reset.apply.js';
import { slicerAction } from './slicer.apply.js';
import { wifiOutageAction } from './wifi-outage.apply.js';

/** Every kind's applier; a kind missing here is a compile error. */
export const FAULT_ACTIONS: { [K in FaultKindName]: FaultAction<FaultParams<K>> } = {
  'wifi-outage': wifiOutageAction,
  'broker-outage': brokerOutageAction,
  latency: latencyAction,
  bandwidth: bandwidthAction,
  slicer: slicerAction,
  'half-open': halfOpenAction,
  reset: resetAction,
  flap: flapAction,
  reboot: rebootAction,
};

interface Live {
  applied: Applied;
  ctx: FaultContext;
  healing?: Promise<void>;
}
const live = new WeakMap<FaultHandle, Live>();

function actionOf(kind: string): FaultAction<unknown> {
  if (!isFaultKind(kind)) throw new HilError('HIL_E_CONFIG', `no fault kind "${kind}"`);
  return FAULT_ACTIONS[kind] as FaultAction<unknown>;
}

/** Why this board cannot have this fault (no agent, no command, external broker ...), or undefined. */
export function faultProblem(kind: string, params: unknown, ctx: FaultContext): string | undefined {
  return actionOf(kind).problem?.(ctx, params);
}

/**
 * Makes the fault (params as the kind's `parse` returns them) and records its real start.
 * A board that cannot have it fails with HIL_E_BOARD: never skipped.
 */
export async function applyFault(kind: string, params: unknown, ctx: FaultContext): Promise<FaultHandle> {
  const now = ctx.now ?? (() => performance.now());
  const problem = faultProblem(kind, params, ctx);
  if (problem) throw new HilError('HIL_E_BOARD', `${kind} on ${ctx.board.id}: ${problem}`);
  const requested = now();
  let applied: Applied;
  try {
    applied = await actionOf(kind).apply(ctx, params);
  } catch (err) {
    throw explain(err, `${kind} on ${ctx.board.id} could not be applied`);
  }
  const start = now();
  const down = applied.down ?? faultDefinition(kind).effect(params) === 'down';
  const handle: FaultHandle = { kind, board: ctx.board.id, down, detail: applied.detail, requested, start };
  live.set(handle, { applied, ctx });
  ctx.record({ t: start, board: ctx.board.id, fault: kind, phase: 'start', down, detail: applied.detail });
  return handle;
}

/** Removes exactly what `applyFault` made and records the real end. Safe to call twice. */
export function healFault(handle: FaultHandle): Promise<void> {
  const state = live.get(handle);
  if (!state)
    return Promise.reject(
      new Error(`healFault: ${handle.kind} on ${handle.board} was not made by applyFault`),
    );
  state.healing ??= (async () => {
    const { applied, ctx } = state;
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
