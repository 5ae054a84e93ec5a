import type { SchemaObject } from 'ajv';
import type { CheckSpec } from '../../spec/types.js';
import type { BoardView } from '../board-view.js';
import type { CheckFinding } from '../findings.js';
import { type Verdict, verdictOf } from '../verdict.js';

export interface CheckOutcome {
  verdict: Verdict;
  /** One per failure first, then errors, then informational ones. */
  findings: CheckFinding[];
}

/**
 * One board-health check, whole: its YAML form, how that becomes its spec and how it judges a
 * board's ops. A new check is one module exporting this plus a line in `registry.ts`.
 */
export interface HealthCheck<S extends CheckSpec = CheckSpec> {
  /** The YAML name and `spec.check`. */
  name: string;
  /**
   * The `{ name: value }` form and how its value becomes the spec (`ms` reads a duration), with an
   * example value for hints. Absent: the check is written as its bare name and takes no value.
   */
  value?: {
    schema: SchemaObject;
    example: string;
    parse(value: unknown, ms: (d: unknown) => number): S;
  };
  /**
   * The verdict means something only if the faults acted (a reconnect after an outage that never
   * happened): a fault not seen to act makes the check `error`.
   */
  restsOnFaults?: boolean;
  /** A pure function of the board's ops. */
  judge(spec: S, view: BoardView): CheckOutcome;
}

/** Types a check module against its own spec and stores it as any check. */
export function defineCheck<S extends CheckSpec>(c: HealthCheck<S>): HealthCheck {
  return c as unknown as HealthCheck;
}

/** The outcome of findings: failing ones first, then the rest, as given. */
export function outcome(findings: CheckFinding[]): CheckOutcome {
  return { verdict: verdictOf(findings), findings };
}
