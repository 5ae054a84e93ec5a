import type { SchemaObject } from 'ajv';
import type { HealthCheck } from '../checker/checks/check.js';
import { HEALTH_CHECKS } from '../checker/checks/registry.js';
import { POLICIES } from '../checker/policies/registry.js';
import { FAULT_KINDS, faultDefinition } from '../faults/registry.js';
import { MODEL_NAMES, modelOptionsSchema } from '../sim/model-options.js';
import { duration, id, selector, stringList } from '../spec/schema-parts.js';

const traffic: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  required: ['class'],
  properties: {
    class: id('Traffic class; the topic is <prefix>/<class> (up) or <prefix>/cmd/<class> (down).'),
    direction: {
      enum: ['up', 'down'],
      description: 'up (default): the board emits; down: the runner publishes a command.',
    },
    every: duration('Emit at every, 2*every, ... while t < duration.'),
    at: { type: 'array', minItems: 1, items: duration('An emit time.'), description: 'Emit times.' },
    qos: { enum: [0, 1, 2], description: 'QoS of down traffic published by the runner (default 1).' },
  },
};

const faultBase = {
  at: duration('When the fault starts, from t = 0.'),
  boards: selector,
};

/** A check's `{ name: value }` form, from the check's own value schema. */
export function checkObjectSchema(check: HealthCheck): SchemaObject {
  return {
    type: 'object',
    additionalProperties: false,
    required: [check.name],
    properties: { [check.name]: check.value?.schema ?? {} },
  };
}

const models: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description: 'Model option overrides for the virtual boards in this scenario.',
  properties: Object.fromEntries(MODEL_NAMES.map((m) => [m, modelOptionsSchema(m)])),
};

const common = {
  name: id('Scenario name, unique in the suite; used in reports.'),
  description: { type: 'string', description: 'What happens, in a sentence.' },
  boards: selector,
  tags: stringList(
    "Labels shown in the reports (e.g. nightly, short); they select nothing: hil run --tag matches boards' tags.",
  ),
  duration: duration('Timeline length; the drain period follows.'),
  drain: duration('Time allowed after the timeline (and every fault) for late deliveries (default 30s).'),
  settle: duration(
    'How long the link must be up before a firmware is expected to have reconnected (default 5s).',
  ),
  tolerance: duration(
    'ε: how far serial-derived times may trail a delivery and still count as simultaneous (default 50ms).',
  ),
  seed: { type: 'integer', description: 'Seed for randomised parts; printed in the report.' },
  traffic: { type: 'array', minItems: 1, items: traffic },
  models,
};

/** The loader's schema: fault, policy and check entries are checked one by one for clearer errors. */
export const scenarioSchema: SchemaObject = {
  $id: 'https://hil.dev/schemas/scenario.schema.json',
  title: 'hil scenario',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'duration', 'traffic', 'policies'],
  properties: {
    ...common,
    faults: {
      type: 'array',
      items: { type: 'object', required: ['at'], properties: faultBase, additionalProperties: true },
    },
    policies: {
      type: 'object',
      minProperties: 1,
      additionalProperties: { type: ['string', 'object'], 'x-expect': 'a policy' },
    },
    checks: { type: 'array', items: { type: ['string', 'object'], 'x-expect': 'a check' } },
  },
};

/** The editor schema: every fault kind, policy and check spelt out, for completion in editors. */
export function scenarioEditorSchema(): SchemaObject {
  const faultEntries = FAULT_KINDS.map((kind) => ({
    type: 'object',
    additionalProperties: false,
    required: ['at', kind],
    properties: { ...faultBase, [kind]: faultDefinition(kind).schema },
  }));
  const policyEntries = [
    {
      enum: POLICIES.filter((p) => p.bare === true).map((p) => p.name),
    },
    ...POLICIES.map((p) => p.schema),
  ];
  const checkEntries = [
    { enum: HEALTH_CHECKS.filter((c) => !c.value).map((c) => c.name) },
    ...HEALTH_CHECKS.filter((c) => c.value).map(checkObjectSchema),
  ];
  return {
    ...scenarioSchema,
    properties: {
      ...scenarioSchema.properties,
      faults: { type: 'array', items: { oneOf: faultEntries } },
      policies: { type: 'object', minProperties: 1, additionalProperties: { anyOf: policyEntries } },
      checks: { type: 'array', items: { anyOf: checkEntries } },
    },
  };
}
