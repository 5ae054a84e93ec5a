import type { SchemaObject } from 'ajv';
import { checkNamed, checkNames } from '../checker/checks/registry.js';
import { POLICIES, policyNamed, policyNames } from '../checker/policies/registry.js';
import type { LinkEffect } from '../faults/kind.js';
import { FAULT_KINDS, type FaultKindName, faultDefinition } from '../faults/registry.js';
import type { ModelName, ModelOptionValue } from '../sim/model-options.js';
import { formatDuration, parseDuration } from '../spec/duration.js';
import type { PolicySpec } from '../spec/policy.js';
import type { CheckSpec, FaultSpec, Origin, ScenarioSpec, Selector, TrafficSpec } from '../spec/types.js';
import { type Diagnostic, sortDiagnostics } from './diagnostics.js';
import type { Loaded } from './load-boards.js';
import { checkObjectSchema, scenarioSchema } from './scenario-schema.js';
import { checkSchema, checkSections, didYouMean } from './schema-check.js';
import { YamlSource } from './yaml-source.js';

type Raw = Record<string, unknown>;

export const SCENARIO_DEFAULTS = { drain: 30_000, settle: 5_000, tolerance: 50, seed: 1 } as const;

const ms = (d: unknown): number => parseDuration(String(d)) ?? 0;

export async function loadScenario(file: string): Promise<Loaded<ScenarioSpec>> {
  const { source, diagnostics } = await YamlSource.read(file);
  if (!source || diagnostics.length) return { diagnostics };
  return parseScenario(source);
}

export function parseScenario(source: YamlSource): Loaded<ScenarioSpec> {
  const raw = source.value();
  // A rack file among the scenarios (a boards.yml in the folder given): one clear error, not a
  // line per scenario key it lacks.
  if (looksLikeRack(raw))
    return {
      diagnostics: [
        source.at(
          ['boards'],
          'this is a rack file (a boards: list, no duration), not a scenario',
          'give it with --boards FILE, and keep it out of the scenarios folder',
          'key',
        ),
      ],
    };
  // Section by section and entry by entry, so one mistake does not hide the others.
  const { diagnostics, valid } = checkSections(source, raw, scenarioSchema);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { diagnostics };
  const doc = raw as Raw;
  // An invalid duration is already reported; no emit or fault is "after the end" then.
  const duration = valid.has('duration') ? ms(doc.duration) : Number.POSITIVE_INFINITY;
  if (duration <= 0) diagnostics.push(source.at(['duration'], 'duration must be longer than 0s'));
  const origin = (path: (string | number)[]) => ({ file: source.file, ...source.position(path) });
  const entries = (key: 'traffic' | 'faults'): Array<Raw | undefined> => {
    const list = Array.isArray(doc[key]) ? (doc[key] as unknown[]) : [];
    const item = (scenarioSchema.properties[key] as { items: SchemaObject }).items;
    return list.map((e, i) =>
      valid.has(key) || checkSchema(source, e, item, [key, i]).length === 0 ? (e as Raw) : undefined,
    );
  };

  const traffic = parseTraffic(source, entries('traffic'), duration, diagnostics, origin);
  const faults = parseFaults(source, entries('faults'), duration, diagnostics, origin);
  const declared = Array.isArray(doc.traffic)
    ? (doc.traffic as Raw[]).map((t) => t?.class).filter((c) => typeof c === 'string')
    : [];
  const policies = valid.has('policies')
    ? parsePolicies(source, doc.policies as Raw, traffic, declared as string[], diagnostics)
    : {};
  const checks = valid.has('checks') ? parseChecks(source, doc.checks as unknown[], diagnostics) : [];

  if (diagnostics.length) return { diagnostics: sortDiagnostics(diagnostics) };
  return {
    diagnostics: [],
    value: {
      file: source.file,
      name: doc.name as string,
      description: (doc.description as string | undefined) ?? '',
      ...(doc.boards !== undefined && { boards: doc.boards as Selector }),
      duration,
      drain: doc.drain === undefined ? SCENARIO_DEFAULTS.drain : ms(doc.drain),
      settle: doc.settle === undefined ? SCENARIO_DEFAULTS.settle : ms(doc.settle),
      tolerance: doc.tolerance === undefined ? SCENARIO_DEFAULTS.tolerance : ms(doc.tolerance),
      seed: (doc.seed as number | undefined) ?? SCENARIO_DEFAULTS.seed,
      tags: (doc.tags as string[] | undefined) ?? [],
      traffic,
      faults,
      policies,
      checks,
      models: (doc.models ?? {}) as Partial<Record<ModelName, Record<string, ModelOptionValue>>>,
    },
  };
}

type OriginOf = (path: (string | number)[]) => Origin;

function parseTraffic(
  source: YamlSource,
  items: Array<Raw | undefined>,
  duration: number,
  out: Diagnostic[],
  origin: OriginOf,
): TrafficSpec[] {
  const seen = new Map<string, number>();
  return items.flatMap((t, i) => {
    if (!t) return [];
    const cls = t.class as string;
    const first = seen.get(cls);
    if (first !== undefined) {
      out.push(
        source.at(
          ['traffic', i, 'class'],
          `traffic class "${cls}" is declared twice (first at line ${source.position(['traffic', first]).line})`,
          'give each class one entry; use `at` with every time',
        ),
      );
    } else seen.set(cls, i);
    let times: number[] = [];
    if (t.every !== undefined && t.at !== undefined) {
      out.push(
        source.at(['traffic', i], `traffic "${cls}" has both \`every\` and \`at\``, 'use one of them'),
      );
    } else if (t.every !== undefined) {
      const period = ms(t.every);
      if (period <= 0) out.push(source.at(['traffic', i, 'every'], '`every` must be longer than 0s'));
      else if (Number.isFinite(duration)) for (let x = period; x < duration; x += period) times.push(x);
      if (period > 0 && times.length === 0 && Number.isFinite(duration)) {
        out.push(
          source.at(
            ['traffic', i, 'every'],
            `every ${formatDuration(period)} never fires within duration ${formatDuration(duration)}`,
            'shorten `every` or lengthen `duration`',
          ),
        );
      }
    } else if (t.at !== undefined) {
      times = (t.at as string[]).map(ms);
      times.forEach((x, j) => {
        if (x >= duration) {
          out.push(
            source.at(
              ['traffic', i, 'at', j],
              `emit at ${formatDuration(x)} is not before the end of the timeline (${formatDuration(duration)})`,
              'emit earlier or lengthen `duration`',
            ),
          );
        }
      });
      times.sort((a, b) => a - b);
    } else {
      out.push(
        source.at(
          ['traffic', i],
          `traffic "${cls}" says neither \`every\` nor \`at\``,
          'e.g. { class: button, at: [10s, 25s] } or { class: telemetry, every: 2s }',
        ),
      );
    }
    const direction = (t.direction as 'up' | 'down' | undefined) ?? 'up';
    if (direction === 'up' && t.qos !== undefined) {
      out.push(
        source.at(
          ['traffic', i, 'qos'],
          '`qos` applies to down traffic only',
          "the QoS of up traffic is the firmware's (a model option for virtual boards)",
          'key',
        ),
      );
    }
    return [
      {
        class: cls,
        direction,
        times,
        qos: (t.qos as 0 | 1 | 2 | undefined) ?? 1,
        origin: origin(['traffic', i]),
      },
    ];
  });
}

interface Window {
  index: number;
  fault: FaultSpec;
  start: number;
  end: number;
  resource: string;
  scope: 'board' | 'rack';
  effect: LinkEffect;
  down: Array<[number, number]>;
}

function parseFaults(
  source: YamlSource,
  items: Array<Raw | undefined>,
  duration: number,
  out: Diagnostic[],
  origin: OriginOf,
): FaultSpec[] {
  const faults: FaultSpec[] = [];
  const windows: Window[] = [];
  items.forEach((f, i) => {
    if (!f) return;
    const kinds = Object.keys(f).filter((k) => k !== 'at' && k !== 'boards');
    if (kinds.length === 0) {
      out.push(
        source.at(['faults', i], 'fault entry names no fault kind', `add one of: ${FAULT_KINDS.join(', ')}`),
      );
      return;
    }
    const unknown = kinds.filter((k) => !(FAULT_KINDS as string[]).includes(k));
    for (const k of unknown) {
      out.push(
        source.at(
          ['faults', i, k],
          `unknown fault kind "${k}"`,
          didYouMean(k, FAULT_KINDS) ?? `known: ${FAULT_KINDS.join(', ')}`,
          'key',
        ),
      );
    }
    const known = kinds.filter((k) => (FAULT_KINDS as string[]).includes(k)) as FaultKindName[];
    if (known.length > 1) {
      out.push(
        source.at(
          ['faults', i, known[1] as string],
          `one fault per entry: this entry has ${known.join(' and ')}`,
          'split it into two entries',
          'key',
        ),
      );
    }
    const kind = known[0];
    if (!kind || unknown.length) return;
    const def = faultDefinition(kind);
    const block = f[kind] === null ? {} : f[kind];
    const problems = checkSchema(source, block, def.schema, ['faults', i, kind]);
    out.push(...problems);
    if (problems.length) return;
    const params = def.parse(block as Raw);
    const at = ms(f.at);
    const fault: FaultSpec = {
      at,
      kind,
      params,
      ...(f.boards !== undefined && { boards: f.boards as Selector }),
      origin: origin(['faults', i]),
    };
    faults.push(fault);
    if (at >= duration) {
      out.push(
        source.at(
          ['faults', i, 'at'],
          `${kind} starts at ${formatDuration(at)}, not before the end of the timeline (${formatDuration(duration)})`,
          'start it earlier or lengthen `duration`',
        ),
      );
    }
    for (const problem of def.validate?.(params) ?? []) {
      out.push(source.at(['faults', i, kind, ...problem.path], problem.message, problem.hint));
    }
    const scope = def.scope(params);
    if (scope === 'rack' && f.boards !== undefined) {
      const reason = def.rackReason?.(params) ?? {
        message: `${kind} acts on every board at once`,
        hint: 'remove `boards`',
      };
      out.push(source.at(['faults', i, 'boards'], reason.message, reason.hint, 'key'));
    }
    windows.push({
      index: i,
      fault,
      start: at,
      end: at + def.span(params),
      resource: def.resource(params),
      scope,
      effect: def.effect(params),
      down: def.downPhases(params).map(([a, b]) => [at + a, at + b]),
    });
  });
  checkOverlaps(source, windows, out);
  return faults.sort((a, b) => a.at - b.at);
}

/** Faults on one resource of one board cannot overlap; a restart inside a WiFi outage would end it early. */
function checkOverlaps(source: YamlSource, windows: Window[], out: Diagnostic[]): void {
  const span = (w: Window) =>
    w.end > w.start ? `${formatDuration(w.start)}-${formatDuration(w.end)}` : `at ${formatDuration(w.start)}`;
  const line = (w: Window) => source.position(['faults', w.index]).line;
  for (let a = 0; a < windows.length; a++) {
    for (let b = a + 1; b < windows.length; b++) {
      const [x, y] = [windows[a], windows[b]] as [Window, Window];
      if (!mayShareBoards(x, y)) continue;
      const overlap = x.start < y.end && y.start < x.end;
      const touching = x.start === y.start; // two instants at the same time
      if (x.resource === y.resource && (overlap || touching)) {
        const later = x.start <= y.start ? y : x;
        const earlier = later === y ? x : y;
        out.push(
          source.at(
            ['faults', later.index],
            `${later.fault.kind} ${span(later)} overlaps ${earlier.fault.kind} ${span(earlier)} (line ${line(earlier)}) on the same boards`,
            `both act on the ${x.resource.replace('toxic:', '')}; let one end before the other starts`,
          ),
        );
        continue;
      }
      for (const [restart, outage] of [
        [x, y],
        [y, x],
      ] as Array<[Window, Window]>) {
        if (restart.effect !== 'restart' || outage.resource !== 'network') continue;
        if (outage.down.some(([s, e]) => restart.start >= s && restart.start < e)) {
          const kind = restart.fault.kind;
          out.push(
            source.at(
              ['faults', restart.index],
              `${kind} at ${formatDuration(restart.start)} falls inside ${outage.fault.kind} ${span(outage)} (line ${line(outage)})`,
              `a restarting board brings its network back up; move the ${kind} out of the outage`,
            ),
          );
        }
      }
    }
  }
}

/** Without the rack, only disjoint id lists prove two selectors apart. */
function mayShareBoards(x: Window, y: Window): boolean {
  if (x.scope === 'rack' || y.scope === 'rack') return true;
  const a = x.fault.boards;
  const b = y.fault.boards;
  if (!a || !b || a.tags?.length || b.tags?.length) return true;
  return (a.ids ?? []).some((id) => (b.ids ?? []).includes(id));
}

function parsePolicies(
  source: YamlSource,
  raw: Raw,
  traffic: TrafficSpec[],
  declared: string[],
  out: Diagnostic[],
): Record<string, PolicySpec> {
  const classes = [...new Set(declared)];
  const policies: Record<string, PolicySpec> = {};
  for (const [cls, value] of Object.entries(raw)) {
    const at = ['policies', cls];
    if (!classes.includes(cls)) {
      out.push(
        source.at(
          at,
          `policy for class "${cls}", which no traffic emits`,
          didYouMean(cls, classes) ?? 'add traffic for it or remove the policy',
          'key',
        ),
      );
    }
    const spec = parsePolicy(source, at, value, out);
    if (spec) policies[cls] = spec;
  }
  traffic.forEach((t, i) => {
    if (!(t.class in raw)) {
      out.push(
        source.at(
          ['traffic', i, 'class'],
          `traffic class "${t.class}" has no policy`,
          `add e.g. \`${t.class}: ${POLICIES.find((p) => p.bare === true)?.name}\` under policies`,
        ),
      );
    }
  });
  return policies;
}

function parsePolicy(
  source: YamlSource,
  at: string[],
  value: unknown,
  out: Diagnostic[],
): PolicySpec | undefined {
  const known = policyNames();
  if (typeof value === 'string') {
    const def = policyNamed(value);
    if (def?.bare === true) return def.parse({ [value]: true }, ms);
    if (def) {
      out.push(source.at(at, `${value} needs ${def.bare.lacks}`, `write ${def.bare.write}`));
      return undefined;
    }
    out.push(
      source.at(at, `unknown policy "${value}"`, didYouMean(value, known) ?? `known: ${known.join(', ')}`),
    );
    return undefined;
  }
  const obj = value as Raw;
  const names = Object.keys(obj).filter((k) => known.includes(k));
  if (names.length !== 1) {
    // Any option of any policy is not a misspelt policy name.
    const options = new Set(POLICIES.flatMap((p) => Object.keys(p.schema.properties ?? {})));
    const other = Object.keys(obj).find((k) => !options.has(k));
    const hint =
      names.length > 1
        ? 'one policy per class'
        : ((other && didYouMean(other, known)) ?? `name one of: ${known.join(', ')}`);
    out.push(
      source.at(
        other && names.length === 0 ? [...at, other] : at,
        names.length > 1
          ? `class has ${names.length} policies: ${names.join(', ')}`
          : other
            ? `unknown policy "${other}"`
            : 'no policy named here',
        hint,
        other && names.length === 0 ? 'key' : 'value',
      ),
    );
    return undefined;
  }
  const def = policyNamed(names[0] as string);
  if (!def) return undefined;
  const problems = checkSchema(source, obj, def.schema, at);
  out.push(...problems);
  return problems.length ? undefined : def.parse(obj, ms);
}

/** Each entry is a check's bare name or `{ name: value }`; the check registry says which and how. */
function parseChecks(source: YamlSource, items: unknown[], out: Diagnostic[]): CheckSpec[] {
  const checks: CheckSpec[] = [];
  const seen = new Set<string>();
  const known = checkNames();
  const unknown = (at: Array<string | number>, name: string, which: 'value' | 'key') =>
    out.push(
      source.at(
        at,
        `unknown check "${name}"`,
        // The serial watchdog is judged on every board: nothing to declare.
        name === 'no-hang'
          ? 'no-hang is judged on every board without being declared; remove it'
          : (didYouMean(name, known) ?? `known: ${known.join(', ')}`),
        which,
      ),
    );
  items.forEach((c, i) => {
    const at = ['checks', i];
    let spec: CheckSpec | undefined;
    if (typeof c === 'string') {
      const def = checkNamed(c);
      if (!def) unknown(at, c, 'value');
      else if (def.value)
        out.push(source.at(at, `${c} needs a value`, `write { ${c}: ${def.value.example} }`));
      else spec = { check: c };
    } else {
      const keys = Object.keys(c as Raw);
      const name = keys.length === 1 ? (keys[0] as string) : undefined;
      const def = name === undefined ? undefined : checkNamed(name);
      if (name === undefined)
        out.push(source.at(at, 'one check per entry', 'write each check as its own item'));
      else if (!def) unknown([...at, name], name, 'key');
      else if (!def.value) out.push(source.at(at, `${name} takes no value`, `write it as \`- ${name}\``));
      else {
        const problems = checkSchema(source, c, checkObjectSchema(def), at);
        out.push(...problems);
        if (!problems.length) spec = def.value.parse((c as Raw)[name], ms);
      }
    }
    if (!spec) return;
    if (seen.has(spec.check)) out.push(source.at(at, `check ${spec.check} is listed twice`));
    seen.add(spec.check);
    checks.push(spec);
  });
  return checks;
}

/** A mapping with a `boards:` list and neither `duration` nor `traffic`: what boards.yml is. */
function looksLikeRack(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const doc = raw as Record<string, unknown>;
  return Array.isArray(doc.boards) && !('duration' in doc) && !('traffic' in doc);
}
