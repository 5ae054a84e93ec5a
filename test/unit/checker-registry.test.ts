import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { check } from '../../harness/checker/check.js';
import { defineCheck, type HealthCheck, outcome } from '../../harness/checker/checks/check.js';
import { checkNames, HEALTH_CHECKS } from '../../harness/checker/checks/registry.js';
import { definePolicy, type Policy } from '../../harness/checker/policies/policy.js';
import { POLICIES, policyNames } from '../../harness/checker/policies/registry.js';
import { scenarioEditorSchema } from '../../harness/config/scenario-schema.js';
import type { PolicySpec } from '../../harness/spec/policy.js';
import { history } from './checker-history-builder.js';
import { BASE_SCENARIO, scenario, scenarioErrors } from './config-helpers.js';

/** Registers `entry` for the length of `body`: what one registry line does. */
function withEntry<T>(list: readonly T[], entry: T, body: () => void): void {
  const registry = list as T[];
  registry.push(entry);
  try {
    body();
  } finally {
    registry.splice(registry.indexOf(entry), 1);
  }
}

interface EverySpec extends PolicySpec {
  policy: 'every-other';
}

/** A policy no one ships: every second message may be lost. */
const everyOther = definePolicy<EverySpec>({
  name: 'every-other',
  bare: true,
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['every-other'],
    properties: { 'every-other': { const: true } },
  },
  parse: () => ({ policy: 'every-other' }),
  label: () => 'every other one',
  deadline: () => 2000,
  judge: (_spec, ctx) => ({
    failures: ctx.messages
      .filter((m, i) => i % 2 === 0 && m.copies.length === 0)
      .map((m) => ({ kind: 'unknown-id', level: 'fail', cls: ctx.cls, id: m.id, copies: [] })),
    late: 0,
    notes: [],
  }),
});

const quiet = defineCheck<{ check: 'quiet'; max: number }>({
  name: 'quiet',
  value: {
    schema: { type: 'integer', minimum: 0 },
    example: '3',
    parse: (v) => ({ check: 'quiet', max: v as number }),
  },
  judge: (spec, view) =>
    outcome(
      view.ops.filter((o) => o.kind === 'serial').length > spec.max
        ? [{ kind: 'check-failed', level: 'error', error: 'too chatty' }]
        : [],
    ),
});

describe('checker registries: one module and one line per policy and per check', () => {
  it('the loader names every registered policy and check when one is unknown', () => {
    const policy = scenarioErrors(BASE_SCENARIO.replace('{ retry-within: 15s }', 'zzz'));
    expect(policy.join('\n')).to.include(`unknown policy "zzz" (known: ${policyNames().join(', ')})`);
    const checks = scenarioErrors(`${BASE_SCENARIO}checks: [zzz]\n`);
    expect(checks.join('\n')).to.include(`unknown check "zzz" (known: ${checkNames().join(', ')})`);
    expect(policyNames()).to.deep.equal(POLICIES.map((p) => p.name));
    expect(checkNames()).to.deep.equal(HEALTH_CHECKS.map((c) => c.name));
  });

  it('the editor schema has one entry per registered policy and check', () => {
    const schema = scenarioEditorSchema();
    const policies = schema.properties.policies.additionalProperties.anyOf as Array<Record<string, unknown>>;
    expect(policies[0]).to.deep.equal({ enum: POLICIES.filter((p) => p.bare === true).map((p) => p.name) });
    expect(policies.slice(1)).to.deep.equal(POLICIES.map((p) => p.schema));
    const checks = schema.properties.checks.items.anyOf as Array<Record<string, unknown>>;
    expect(checks).to.have.length(1 + HEALTH_CHECKS.filter((c) => c.value).length);
  });

  it('config/ names no policy and no check of its own', () => {
    const dir = join(import.meta.dirname, '../../harness/config');
    const names = [...policyNames(), ...checkNames()];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const name of names) expect(text, `${file} names ${name}`).not.to.include(`'${name}'`);
    }
  });

  it('a new policy is loaded, judged and labelled from its module alone', () => {
    withEntry<Policy>(POLICIES, everyOther, () => {
      const loaded = scenario(BASE_SCENARIO.replace('{ retry-within: 15s }', 'every-other'));
      expect(loaded.diagnostics).to.deep.equal([]);
      const spec = loaded.value!.policies.button!;
      expect(spec).to.deep.equal({ policy: 'every-other' });
      const h = history().msg('button', 'b-1', 10, {}).msg('button', 'b-2', 20, {});
      const v = check(h.build(), { ...loaded.value!, checks: [] });
      const button = v.classes[0]!;
      expect(button).to.include({
        policy: 'every-other',
        label: 'every other one',
        deadline: 2000,
        verdict: 'fail',
      });
      expect(button.messages.map((m) => [m.id, m.blamed, m.deadline])).to.deep.equal([
        ['b-1', true, 12_000],
        ['b-2', false, 22_000],
      ]);
    });
  });

  it('a new check is loaded (bare name refused, value checked) and judged from its module alone', () => {
    withEntry<HealthCheck>(HEALTH_CHECKS, quiet, () => {
      expect(scenarioErrors(`${BASE_SCENARIO}checks: [quiet]\n`).join('\n')).to.include(
        'quiet needs a value (write { quiet: 3 })',
      );
      expect(scenarioErrors(`${BASE_SCENARIO}checks: [{ quiet: many }]\n`)).to.have.length(1);
      const loaded = scenario(`${BASE_SCENARIO}checks: [{ quiet: 0 }]\n`);
      expect(loaded.diagnostics).to.deep.equal([]);
      expect(loaded.value!.checks).to.deep.equal([{ check: 'quiet', max: 0 }]);
      const h = history()
        .msg('button', 'b-1', 10, { at: [10.1] })
        .push({ t: 11_000, kind: 'serial', board: 'b1', line: 'hi' });
      const v = check(h.build(), loaded.value!);
      expect(v.checks.map((c) => [c.check, c.verdict, c.reasons])).to.deep.equal([
        ['quiet', 'error', ['the check failed: too chatty']],
        ['no-hang', 'pass', []],
      ]);
    });
  });
});
