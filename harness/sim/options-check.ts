import { parseDuration } from '../spec/duration.js';
import { MODEL_DEFAULTS, type ModelName, type ModelOptionValue, OPTION_SCHEMAS } from './model-options.js';

/**
 * Checks one model's merged options against OPTION_SCHEMAS; returns one problem per line.
 * The YAML loaders check them with positions; this guards code that builds options itself.
 */
export function optionProblems(model: ModelName, options: Record<string, ModelOptionValue>): string[] {
  const known = Object.keys(MODEL_DEFAULTS[model]);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(options)) {
    if (!known.includes(name)) {
      problems.push(`model ${model} has no option "${name}" (it has: ${known.join(', ')})`);
      continue;
    }
    const schema = OPTION_SCHEMAS[name] ?? {};
    const shown = JSON.stringify(value);
    if (Array.isArray(schema.enum) && !schema.enum.includes(value))
      problems.push(`option "${name}" is ${shown}; expected one of ${schema.enum.join(', ')}`);
    else if (schema.type === 'boolean' && typeof value !== 'boolean')
      problems.push(`option "${name}" is ${shown}; expected true or false`);
    else if (
      schema.type === 'integer' &&
      (!Number.isInteger(value) || (value as number) < (schema.minimum ?? 0))
    )
      problems.push(`option "${name}" is ${shown}; expected an integer ≥ ${schema.minimum ?? 0}`);
    else if (
      schema.format === 'duration' &&
      (typeof value !== 'string' || parseDuration(value) === undefined)
    )
      problems.push(`option "${name}" is ${shown}; expected a duration such as "2s"`);
  }
  return problems;
}
