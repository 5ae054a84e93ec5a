import type { PolicyName, PolicySpec } from '../../spec/policy.js';
import type { Link } from '../link.js';
import type { Message } from '../messages.js';

/** What a policy sees of one class on one board. */
export interface ClassContext {
  cls: string;
  /** In emit order; never empty (a class without emits is an error before any policy runs). */
  messages: readonly Message[];
  link: Link;
  /** The class's settle: the policy's override or the scenario's. */
  settle: number;
  /** max(duration, last fault end) + drain: copies after it were never counted. */
  end: number;
  /** ε in ms. */
  tolerance: number;
}

export interface PolicyOutcome {
  /** One line per failing message. */
  failures: string[];
  /** Messages delivered after their deadline or max-age. */
  late: number;
  /** Informational lines (excused losses). */
  notes: string[];
}

export type PolicyOf<N extends PolicyName> = Extract<PolicySpec, { policy: N }>;

export type PolicyJudge<N extends PolicyName> = (spec: PolicyOf<N>, ctx: ClassContext) => PolicyOutcome;
