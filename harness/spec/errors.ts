/** Error codes are stable: CI scripts and people grep for them. */
export type HilErrorCode =
  | 'HIL_E_CONFIG'
  | 'HIL_E_USAGE'
  | 'HIL_E_SERIAL'
  | 'HIL_E_SERIAL_GONE'
  | 'HIL_E_PROXY'
  | 'HIL_E_BROKER'
  | 'HIL_E_TIMEOUT'
  | 'HIL_E_BOARD';

export class HilError extends Error {
  constructor(
    readonly code: HilErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HilError';
  }
}

/** Exit codes of the CLI, as the README lists them. */
export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, rackFailed: 3 } as const;
