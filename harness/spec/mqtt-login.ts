import { HilError } from './errors.js';
import type { BoardSpec, MqttLogin } from './types.js';

/**
 * A board's MQTT login with its password read now: as written in boards.yml, or from the
 * environment variable `password-env` names. Undefined: the board has none (anonymous).
 * Throws HIL_E_CONFIG, naming the variable and where boards.yml names it, when it is unset.
 */
export function boardLogin(board: BoardSpec, env: NodeJS.ProcessEnv = process.env): MqttLogin | undefined {
  const spec = board.mqtt;
  if (!spec) return undefined;
  if (spec.password !== undefined) return { username: spec.username, password: spec.password };
  const name = spec.passwordEnv ?? '';
  const password = env[name];
  if (password === undefined || password === '') {
    throw new HilError(
      'HIL_E_CONFIG',
      `${spec.origin.file}:${spec.origin.line}: board ${board.id}: its MQTT password comes from the environment variable ${name}, which is not set. Set it for hil run (a CI secret, say), or give mqtt.password.`,
    );
  }
  return { username: spec.username, password };
}

/** The boards' login problems (an unset password variable), one line each; empty when all can be read. */
export function loginProblems(boards: readonly BoardSpec[], env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  for (const board of boards) {
    try {
      boardLogin(board, env);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems;
}
