/**
 * Every fault kind by its YAML name: one line per kind, pointing at its module. The scenario
 * schema, the validator, the planner and applyFault all read this; nothing else names kinds.
 */
import { bandwidth } from './bandwidth.js';
import { brokerOutage } from './broker-outage.js';
import { flap } from './flap.js';
import { halfOpen } from './half-open.js';
import type { FaultDefinition } from './kind.js';
import { latency } from './latency.js';
import { reboot } from './reboot.js';
import { reset } from './reset.js';
import { slicer } from './slicer.js';
import { wifiOutage } from './wifi-outage.js';

export const FAULTS = {
  'wifi-outage': wifiOutage,
  'broker-outage': brokerOutage,
  latency,
  bandwidth,
  slicer,
  'half-open': halfOpen,
  reset,
  flap,
  reboot,
} as const;

export type FaultKindName = keyof typeof FAULTS;
export const FAULT_KINDS = Object.keys(FAULTS) as FaultKindName[];

export function isFaultKind(kind: string): kind is FaultKindName {
  return Object.hasOwn(FAULTS, kind);
}

/** The definition of a kind; throws for a name the registry does not have (the loader rejects those). */
export function faultDefinition(kind: string): FaultDefinition<unknown> {
  if (!isFaultKind(kind)) throw new Error(`no fault kind "${kind}" (kinds: ${FAULT_KINDS.join(', ')})`);
  return FAULTS[kind] as unknown as FaultDefinition<unknown>;
}
