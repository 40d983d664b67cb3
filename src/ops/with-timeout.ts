// The one way a promise is bounded in time: probes and scrapes must answer even while Redis or the
// model hangs, the intake must answer GitHub, and shutdown must end.

/** What withTimeout rejects with when time runs out first (unless `onTimeout` makes its own error). */
export class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

export interface TimeoutOptions {
  /** Named in the TimeoutError: "<what> did not finish within <ms> ms". @defaultValue "operation" */
  what?: string;
  /** Makes the error to reject with instead, when time runs out (it may also cancel the work). */
  onTimeout?: () => Error;
  /**
   * Whether the pending timer lets the process exit: true for probes, false where the bound itself
   * must be reached (shutdown steps, a request GitHub waits on).
   * @defaultValue true
   */
  unref?: boolean;
}

/** `promise`, unless `ms` pass first: then a TimeoutError (or `onTimeout`'s error); `promise` is not waited for. */
export function withTimeout<T>(promise: Promise<T>, ms: number, options: TimeoutOptions = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.onTimeout ? options.onTimeout() : new TimeoutError(options.what ?? "operation", ms)), ms);
    if (options.unref ?? true) timer.unref();
  });
  // The loser's late rejection must not become an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
