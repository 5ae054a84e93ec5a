import { parse } from 'shell-quote';
import type { ResetMethod } from '../spec/types.js';

type CommandReset = Extract<ResetMethod, { kind: 'command' }>;

/**
 * A `reset: { command }` from boards.yml as it will run: a list is argv as given; a string is
 * split as a shell would split it (quotes, backslashes) and run without one, so a board id or a
 * path with spaces cannot turn into a second command. Shell syntax (pipes, `&&`, `$VAR`,
 * globs) is refused unless `shell: true`, which runs the string with `sh -c`.
 */
export function resetCommand(
  command: string | readonly string[],
  shell: boolean,
): CommandReset | { problem: string; hint: string } {
  if (Array.isArray(command)) {
    if (shell)
      return {
        problem: '`shell: true` needs `command` as one string',
        hint: 'write the command as a string, or drop `shell`',
      };
    return { kind: 'command', command: command.join(' '), argv: [...command], shell: false };
  }
  const text = command as string;
  if (shell) return { kind: 'command', command: text, argv: ['sh', '-c', text], shell: true };
  const used: string[] = [];
  const argv: string[] = [];
  const words = parse(text, (name) => {
    used.push(`$${name}`);
    return '';
  });
  for (const w of words) {
    if (typeof w === 'string') argv.push(w);
    else used.push('op' in w ? (w.op === 'glob' ? (w as { pattern: string }).pattern : w.op) : '#');
  }
  if (used.length)
    return {
      problem: `the reset command uses shell syntax (${[...new Set(used)].join(' ')}), and it runs without a shell`,
      hint: 'add `shell: true` to run it with sh -c, or write it without (HIL_BOARD and HIL_SERIAL are in its environment)',
    };
  if (!argv.length) return { problem: 'the reset command is empty', hint: 'give the program to run' };
  return { kind: 'command', command: text, argv, shell: false };
}
