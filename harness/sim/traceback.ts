/** A Python exception that escapes a library call; the app prints it as MicroPython does. */
export interface Frame {
  file: string;
  line: number;
  fn: string;
}

export class PyException extends Error {
  constructor(
    readonly pyType: string,
    readonly detail: string,
    /** Outermost first, as MicroPython prints them. */
    readonly frames: readonly Frame[],
  ) {
    super(`${pyType}: ${detail}`);
    this.name = pyType;
  }

  /** The lines `sys.print_exception` writes. */
  lines(): string[] {
    return [
      'Traceback (most recent call last):',
      ...this.frames.map((f) => `  File "${f.file}", line ${f.line}, in ${f.fn}`),
      `${this.pyType}: ${this.detail}`,
    ];
  }
}
