// The model-request cap within one process, for `skywork review` (no Redis) and as the model
// client's default: LLM_MAX_CONCURRENCY requests at once, first come first served, lowered when the
// server shows it holds fewer. Hand-written rather than Bottleneck (already a dependency): a
// review that is superseded must stop waiting for a slot, and Bottleneck cannot drop one queued
// job when its caller gives up.
import type { AcquireOptions, ModelGate, Slot } from "./model-slots.js";

export class LocalModelGate implements ModelGate {
  #limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!(limit >= 1)) throw new Error(`The model request limit must be at least 1, got ${limit}; set LLM_MAX_CONCURRENCY.`);
    this.#limit = limit;
  }

  get limit(): number {
    return this.#limit;
  }

  async withSlot<T>(fn: (signal: AbortSignal, slot: Slot) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    await this.#acquire(options.signal);
    const held = new AbortController();
    const slot: Slot = { token: "local", signal: held.signal, release: async () => undefined };
    try {
      return await fn(options.signal ? AbortSignal.any([options.signal, held.signal]) : held.signal, slot);
    } finally {
      this.#running--;
      this.#wake();
    }
  }

  async inFlight(): Promise<number> {
    return this.#running;
  }

  async lowerLimit(limit: number): Promise<void> {
    this.#limit = Math.max(1, Math.min(this.#limit, Math.floor(limit)));
  }

  #acquire(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.#running < this.#limit && this.#waiting.length === 0) {
      this.#running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        this.#running++;
        resolve();
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index !== -1) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #wake(): void {
    while (this.#running < this.#limit && this.#waiting.length > 0) this.#waiting.shift()!();
  }
}
