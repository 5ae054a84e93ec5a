// The files of a bench board: the agent, the app and its PyPI library (tools/micropython-lib/).
import { existsSync } from 'node:fs';
import type { BoardFile } from '../harness/sim/micropython/board.js';

const LIB = 'tools/micropython-lib';
const LIBS: Record<string, string[]> = {
  simple: [`${LIB}/micropython-umqtt.simple-1.3.4/umqtt/simple.py:lib/umqtt/simple.py`],
  robust: [
    `${LIB}/micropython-umqtt.simple-1.3.4/umqtt/simple.py:lib/umqtt/simple.py`,
    `${LIB}/micropython-umqtt.robust-1.0/umqtt/robust.py:lib/umqtt/robust.py`,
  ],
};

export function deployFiles(app: string): BoardFile[] {
  const lib = LIBS[app];
  if (!lib) throw new Error(`no app ${app} (${Object.keys(LIBS).join(', ')})`);
  const specs = [
    ...['hil_agent.py', 'hil_core.py', 'hil_wire.py', 'hil_net.py'].map(
      (f) => `fixtures/micropython/${f}:${f}`,
    ),
    ...lib,
    `fixtures/micropython/apps/app_umqtt_${app}.py:main.py`,
  ];
  const files = specs.map((s) => ({
    local: s.slice(0, s.lastIndexOf(':')),
    remote: s.slice(s.lastIndexOf(':') + 1),
  }));
  const missing = files.filter((f) => !existsSync(f.local));
  if (missing.length)
    throw new Error(`missing ${missing.map((f) => f.local).join(', ')}: run scripts/setup.sh`);
  return files;
}
