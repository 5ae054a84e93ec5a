import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { boardsEditorSchema } from './boards-schema.js';
import { scenarioEditorSchema } from './scenario-schema.js';

/** The JSON Schemas editors use to complete and check boards.yml and scenarios (schemas/). */
export function editorSchemas(): Record<string, object> {
  return {
    'boards.schema.json': boardsEditorSchema(),
    'scenario.schema.json': scenarioEditorSchema(),
  };
}

export function renderSchema(schema: object): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...schema }, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../schemas');
  for (const [name, schema] of Object.entries(editorSchemas())) {
    await writeFile(join(dir, name), renderSchema(schema));
    process.stdout.write(`wrote schemas/${name}\n`);
  }
}
