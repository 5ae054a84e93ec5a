import type { Reporter, TextOut } from '../report/reporter.js';

type Hook = Exclude<keyof Reporter, 'onProgress'>;
type Args<H extends Hook> = Parameters<NonNullable<Reporter[H]>>;

/**
 * Calls the reporters' hooks in the reporters' order, one hook at a time: a call waits for
 * every earlier one (of any reporter), so a result's writes finish before the next result's
 * begin and all are done before the run ends. A hook that throws is said on stderr; the run
 * and the other reporters go on.
 */
export class ReporterHub {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly reporters: readonly Reporter[],
    private readonly stderr: TextOut,
  ) {}

  /** Resolves once this hook has run on every reporter (never rejects). */
  call<H extends Hook>(hook: H, ...args: Args<H>): Promise<void> {
    this.chain = this.chain.then(async () => {
      for (const r of this.reporters) {
        const fn = r[hook] as ((...a: Args<H>) => void | Promise<void>) | undefined;
        if (!fn) continue;
        try {
          await fn.apply(r, args);
        } catch (e) {
          this.stderr.write(`hil run: a reporter failed in ${hook}: ${(e as Error).message}\n`);
        }
      }
    });
    return this.chain;
  }

  /** Progress is a view: given to each reporter at once, never queued behind writes. */
  progress(...args: Parameters<NonNullable<Reporter['onProgress']>>): void {
    for (const r of this.reporters) {
      try {
        r.onProgress?.(...args);
      } catch (e) {
        this.stderr.write(`hil run: a reporter failed in onProgress: ${(e as Error).message}\n`);
      }
    }
  }
}
