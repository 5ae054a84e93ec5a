#!/usr/bin/env node
// Runs the built JavaScript (dist/, `npm run build`) when it is current, else the TypeScript
// sources through tsx: a clone without a build still works, only slower to start.
import { distStale } from './dist-state.js';

// `hil ... | head` closes the pipe early: that is no error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

const why = distStale(new URL('../', import.meta.url));
let main;
if (why === undefined) {
  ({ main } = await import('../dist/harness/cli/main.js'));
} else {
  if (process.env.HIL_DEBUG)
    process.stderr.write(`hil: running the TypeScript sources through tsx: ${why}\n`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../harness/cli/main.ts'));
}
process.exitCode = await main(process.argv);
