import { Ajv, type ErrorObject, type SchemaObject, type ValidateFunction } from 'ajv';
import { closest, distance } from 'fastest-levenshtein';
import { DURATION_PATTERN, describeDurationProblem } from '../spec/duration.js';
import type { Diagnostic } from './diagnostics.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

/**
 * JSON Schema validation whose errors read like a person wrote them, each at its
 * position in the YAML. Unions carry an `x-expect` text used when no branch fits.
 */
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: 'x-expect', schemaType: 'string' });
ajv.addFormat('duration', { type: 'string', validate: (s: string) => new RegExp(DURATION_PATTERN).test(s) });

const compiled = new WeakMap<SchemaObject, ValidateFunction>();
const shallowSchemas = new WeakMap<SchemaObject, SchemaObject>();

export function checkSchema(
  source: YamlSource,
  value: unknown,
  schema: SchemaObject,
  base: readonly PathSegment[] = [],
): Diagnostic[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return simplify(validate.errors ?? []).map((e) => toDiagnostic(source, e, base));
}

/** Suggests the closest of `known` to `word`, if it is close enough to be a typo. */
export function didYouMean(word: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(word, [...known]);
  const limit = Math.max(2, Math.floor(best.length / 3));
  return distance(word, best) <= limit ? `did you mean "${best}"?` : undefined;
}

function simplify(errors: ErrorObject[]): ErrorObject[] {
  let kept = errors;
  for (const union of errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')) {
    const prefix = `${union.schemaPath}/`;
    const branches = (union.schema as SchemaObject[]) ?? [];
    const fitting = branches.flatMap((b, i) => (typeMatches(b, union.data) ? [i] : []));
    const keep = fitting.length === 1 ? `${prefix}${fitting[0]}/` : undefined;
    kept = kept.filter((e) => {
      if (!e.schemaPath.startsWith(prefix)) return true;
      return keep !== undefined && e.schemaPath.startsWith(keep);
    });
    if (keep !== undefined) kept = kept.filter((e) => e !== union);
  }
  // A duration reports type, pattern and format at once: one message is enough.
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = isDuration(e)
      ? `${e.instancePath}#duration`
      : `${e.instancePath}#${e.schemaPath}#${paramKey(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function paramKey(e: ErrorObject): string {
  return JSON.stringify(e.params);
}

function typeMatches(schema: SchemaObject, data: unknown): boolean {
  const t = schema.type as string | string[] | undefined;
  if (schema.const !== undefined) return schema.const === data;
  if (schema.enum) return typeof data === 'string' && typeof (schema.enum as unknown[])[0] === 'string';
  if (t === undefined) return false;
  const types = Array.isArray(t) ? t : [t];
  return types.some((ty) => jsonType(data) === ty || (ty === 'number' && jsonType(data) === 'integer'));
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function isDuration(e: ErrorObject): boolean {
  return (e.parentSchema as SchemaObject | undefined)?.format === 'duration';
}

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^[0-9]+$/.test(s) ? Number(s) : s));
}

function toDiagnostic(source: YamlSource, e: ErrorObject, base: readonly PathSegment[]): Diagnostic {
  const path = [...base, ...pointerToPath(e.instancePath)];
  const where = path.length ? `${path.filter((p) => typeof p === 'string').at(-1) ?? 'value'}` : 'file';
  const parent = e.parentSchema as SchemaObject | undefined;
  if (isDuration(e)) return source.at(path, `${where}: ${describeDurationProblem(e.data)}`);
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const known = Object.keys((parent?.properties as object | undefined) ?? {});
      const hint = didYouMean(key, known) ?? (known.length ? `allowed here: ${known.join(', ')}` : undefined);
      return source.at([...path, key], `unknown key "${key}"`, hint, 'key');
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return source.at(path, `${where}: missing required key "${key}"`);
    }
    case 'type': {
      const want = (e.params as { type: string }).type;
      const expect = parent?.['x-expect'] as string | undefined;
      return source.at(path, `${where}: expected ${expect ?? article(want)}, got ${describe(e.data)}`);
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed) : undefined;
      return source.at(path, `${where}: ${describe(e.data)} is not one of ${allowed.join(', ')}`, hint);
    }
    case 'anyOf':
    case 'oneOf': {
      const expect = parent?.['x-expect'] as string | undefined;
      return source.at(path, `${where}: expected ${expect ?? 'another form'}, got ${describe(e.data)}`);
    }
    case 'pattern': {
      const expect = parent?.['x-expect'] as string | undefined;
      return source.at(
        path,
        `${where}: ${describe(e.data)} ${expect ? `is not ${expect}` : `does not match ${e.schema}`}`,
      );
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return source.at(path, `${where}: ${describe(e.data)} must be ${e.message?.replace(/^must be /, '')}`);
    case 'minProperties':
      return source.at(path, `${where}: must not be empty`);
    case 'minItems':
      return source.at(path, `${where}: must have at least ${(e.params as { limit: number }).limit} item(s)`);
    case 'uniqueItems':
      return source.at(path, `${where}: items must be unique`);
    default:
      return source.at(path, `${where}: ${e.message ?? 'invalid'}`);
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (typeof v === 'object') return Array.isArray(v) ? 'a list' : 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Checks an object key by key, so one bad section does not hide the problems of the others:
 * returns the diagnostics and the keys whose values are valid.
 */
export function checkSections(
  source: YamlSource,
  value: unknown,
  schema: SchemaObject,
  base: readonly PathSegment[] = [],
): { diagnostics: Diagnostic[]; valid: Set<string> } {
  const properties = (schema.properties ?? {}) as Record<string, SchemaObject>;
  let shallow = shallowSchemas.get(schema);
  if (!shallow) {
    const { $id: _id, ...rest } = schema;
    shallow = { ...rest, properties: Object.fromEntries(Object.keys(properties).map((k) => [k, true])) };
    shallowSchemas.set(schema, shallow);
  }
  const diagnostics = checkSchema(source, value, shallow, base);
  const valid = new Set<string>();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { diagnostics, valid };
  for (const [key, v] of Object.entries(value)) {
    const sub = properties[key];
    if (!sub) continue;
    const problems = checkSchema(source, v, sub, [...base, key]);
    diagnostics.push(...problems);
    if (problems.length === 0) valid.add(key);
  }
  return { diagnostics, valid };
}
