// A Redis semaphore capping concurrent model requests across every worker of every process: one
// 80 GB GPU holds about one full 32k sequence, so the model server, not the bot, is the bottleneck,
// and adding workers must never add load on it.
//
// Holders keep a lease that a heartbeat renews; a process killed with SIGKILL loses its slot when
// the lease runs out. Waiters take a numbered ticket and are served in ticket order (nobody
// starves); their tickets carry a lease too, so a dead waiter never blocks the head of the line.
// A release is published on a channel that wakes waiters at once; a slow poll (which also renews
// the waiter's ticket) is the safety net for lost messages and for holders that died silently.
// Every state change is one Lua script, timed by Redis's clock so process clocks may disagree.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { TimeoutError, withTimeout } from "../ops/with-timeout.js";
import type { RedisClient } from "../queue/connection.js";
import { loadLuaScript } from "../queue/lua-script.js";

export interface ModelSlotsOptions {
  /** A command connection (never in subscriber mode); a duplicate of it listens for releases. */
  redis: RedisClient;
  /** Key prefix shared by every process of one deployment (the app's QUEUE_PREFIX). */
  prefix: string;
  /** Model requests allowed at once across all processes (LLM_MAX_CONCURRENCY); all processes must agree. */
  limit: number;
  /**
   * How long a slot (or a waiter's place in line) outlives its last heartbeat: what a killed process
   * costs everyone else.
   * @defaultValue 5000
   */
  leaseMs?: number;
  /**
   * How often holders renew their lease and waiters renew their ticket and look again (the safety
   * net for a missed wake-up or a holder that died without releasing).
   * @defaultValue leaseMs / 5
   */
  heartbeatMs?: number;
  /** Names the semaphore under the prefix, for more than one per deployment. @defaultValue "model-slots" */
  name?: string;
  /** Told about Redis errors that are retried instead of failing the caller. */
  log?: { warn(details: object, message: string): void };
}

export interface Slot {
  /** Identifies the holder in Redis: host, pid and a random id. */
  readonly token: string;
  /**
   * Aborted when this process lost the slot: its lease ran out (the process stalled, or Redis was
   * unreachable, for longer than the lease) and another waiter took it. Pass it to the model
   * request to keep the cap strict.
   */
  readonly signal: AbortSignal;
  /** Gives the slot back; idempotent and never throws (an unreachable Redis lets the lease expire). */
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Aborting it stops waiting, removes the ticket and rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What the model client needs: run one request while holding a slot, and learn the server's real capacity. */
export interface ModelGate {
  withSlot<T>(fn: (signal: AbortSignal, slot: Slot) => Promise<T>, options?: AcquireOptions): Promise<T>;
  /** Requests holding a slot right now, across everything that shares the gate. */
  inFlight(): Promise<number>;
  /**
   * Lowers the cap to `limit` (never raises it) for everything that shares the gate: the server
   * showed it holds no more at once (llama.cpp's slots sharing one KV cache).
   */
  lowerLimit(limit: number): Promise<void>;
}

/** The slot was taken away while held (see `Slot.signal`). */
export class SlotLostError extends Error {
  constructor(token: string) {
    super(`The model slot held by ${token} expired before it was renewed (process stalled or Redis unreachable) and another worker took it.`);
    this.name = "SlotLostError";
  }
}

const DEFAULT_LEASE_MS = 5_000;
/** Idle keys vanish after a day, so a removed deployment leaves nothing behind. */
const KEY_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * A cap learned from the server lasts a day from its last lowering: long enough that the server is
 * not overfilled again review after review, short enough that a reconfigured server gets its
 * concurrency back without anyone touching Redis.
 */
const LEARNED_LIMIT_TTL_MS = 24 * 60 * 60 * 1000;

const TRY_ACQUIRE = loadLuaScript("model-slot-acquire-5");
const RENEW = loadLuaScript("model-slot-renew-5");
const RELEASE = loadLuaScript("model-slot-release-3");
const LOWER_LIMIT = loadLuaScript("model-slot-lower-limit-1");

export interface ModelSlotsSnapshot {
  /** Leases currently held (including ones expired but not yet pruned). */
  holders: number;
  /** Tickets waiting in line. */
  waiting: number;
}

/** Redis keys and channel of one semaphore. */
export function modelSlotKeys(prefix: string, name = "model-slots") {
  const base = `${prefix}:${name}`;
  return {
    holders: `${base}:holders`,
    tickets: `${base}:tickets`,
    ticketLeases: `${base}:ticket-leases`,
    sequence: `${base}:sequence`,
    learnedLimit: `${base}:learned-limit`,
    channel: `${base}:released`,
  };
}

export class ModelSlots implements ModelGate {
  readonly #redis: RedisClient;
  readonly #limit: number;
  readonly #leaseMs: number;
  readonly #heartbeatMs: number;
  readonly #keys: ReturnType<typeof modelSlotKeys>;
  readonly #log: ModelSlotsOptions["log"];
  /**
   * This process's waiters in the order they asked, which is their ticket order: when a slot
   * frees only the first need look (it wakes the next if it got one), not every waiter of the
   * process.
   */
  readonly #wakers = new Set<() => void>();
  /** Waiters' rejections and held slots' releases, run by close(). */
  readonly #closers = new Set<() => Promise<void>>();
  #subscriber: RedisClient | null = null;
  #subscribed: Promise<void> | null = null;
  #closed = false;

  constructor(options: ModelSlotsOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new Error(
        `The model slot limit must be a whole number of at least 1, got ${options.limit}; set LLM_MAX_CONCURRENCY to how many requests the model server runs at once.`,
      );
    }
    this.#redis = options.redis;
    this.#limit = options.limit;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(this.#leaseMs / 5));
    if (this.#heartbeatMs * 2 > this.#leaseMs) {
      throw new Error(
        `The model slot heartbeat (${this.#heartbeatMs} ms) must be at most half the lease (${this.#leaseMs} ms), or live holders lose their slots.`,
      );
    }
    this.#keys = modelSlotKeys(options.prefix, options.name);
    this.#log = options.log;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Waits for a slot, in ticket order across all processes. */
  async acquire(options: AcquireOptions = {}): Promise<Slot> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#closed) throw new Error("The model slots are closed; acquire() was called during shutdown.");
    // Listen before the first try, so a release between the try and the wait is not missed.
    const listening = this.#listen();
    const token = `${hostname()}/${process.pid}/${randomUUID()}`;
    return new Promise<Slot>((resolve, reject) => {
      let settled = false;
      let running = false;
      let again = false;
      const finish = () => {
        settled = true;
        clearInterval(poll);
        this.#wakers.delete(wake);
        this.#closers.delete(closeWaiter);
        signal?.removeEventListener("abort", onAbort);
      };
      const giveUp = (reason: unknown) => {
        if (settled) return;
        finish();
        reject(reason);
        // Runs after any try already sent on this connection, so a slot granted meanwhile goes back.
        void this.#release(token);
      };
      const attempt = async () => {
        if (running) {
          again = true;
          return;
        }
        running = true;
        try {
          do {
            again = false;
            if (settled) return;
            const granted = await this.#tryAcquire(token);
            if (settled) return;
            if (granted) {
              finish();
              resolve(this.#hold(token));
              // Another slot may be free too: the next waiter of this process looks.
              this.#wakeFirst();
              return;
            }
          } while (again);
        } catch (error) {
          // Redis unreachable or failing over: keep the place in line and try again on the next beat.
          this.#log?.warn({ err: error, token }, "model slot request failed; retrying");
        } finally {
          running = false;
        }
      };
      const wake = () => void attempt();
      const onAbort = () => giveUp(signal?.reason);
      const closeWaiter = async () => giveUp(new Error("The model slots were closed while waiting for a slot."));
      const poll = setInterval(wake, this.#heartbeatMs);
      poll.unref();
      this.#wakers.add(wake);
      this.#closers.add(closeWaiter);
      signal?.addEventListener("abort", onAbort, { once: true });
      void listening.then(wake);
    });
  }

  /**
   * Runs `fn` while holding a slot and releases it however `fn` ends. `fn` gets a signal aborted by
   * the caller's signal or by the loss of the slot.
   */
  async withSlot<T>(fn: (signal: AbortSignal, slot: Slot) => Promise<T>, options: AcquireOptions = {}): Promise<T> {
    const slot = await this.acquire(options);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, slot.signal]) : slot.signal;
      return await fn(signal, slot);
    } finally {
      await slot.release();
    }
  }

  async inFlight(): Promise<number> {
    return this.#redis.zcard(this.#keys.holders);
  }

  async lowerLimit(limit: number): Promise<void> {
    await LOWER_LIMIT.run(this.#redis, [this.#keys.learnedLimit], [Math.max(1, Math.floor(limit)), LEARNED_LIMIT_TTL_MS]);
    // Waiters re-check against the new cap at their next beat; nobody needs waking for a lower one.
  }

  /** Holders and waiters right now, for metrics and tests. */
  async snapshot(): Promise<ModelSlotsSnapshot> {
    const [holders, waiting] = await Promise.all([this.#redis.zcard(this.#keys.holders), this.#redis.zcard(this.#keys.tickets)]);
    return { holders, waiting };
  }

  /** Rejects every waiter of this process, releases its slots and stops listening. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#closers].map((close) => close()));
    this.#subscriber?.disconnect();
    this.#subscriber = null;
    this.#subscribed = null;
  }

  #listen(): Promise<void> {
    if (this.#subscribed) return this.#subscribed;
    const subscriber = this.#redis.duplicate();
    subscriber.on("error", (error: unknown) => this.#log?.warn({ err: error }, "model slot subscription error"));
    subscriber.on("message", () => this.#wakeFirst());
    this.#subscriber = subscriber;
    this.#subscribed = subscriber.subscribe(this.#keys.channel).then(
      () => undefined,
      (error: unknown) => {
        // Waiters still poll; the next acquire() tries to listen again.
        this.#log?.warn({ err: error }, "could not subscribe to model slot releases; falling back to polling");
        subscriber.disconnect();
        if (this.#subscriber === subscriber) {
          this.#subscriber = null;
          this.#subscribed = null;
        }
      },
    );
    return this.#subscribed;
  }

  #wakeFirst(): void {
    const first = this.#wakers.values().next();
    if (!first.done) first.value();
  }

  #keyList(): string[] {
    const k = this.#keys;
    return [k.holders, k.tickets, k.ticketLeases, k.sequence, k.learnedLimit];
  }

  async #tryAcquire(token: string): Promise<boolean> {
    const reply = (await TRY_ACQUIRE.run(this.#redis, this.#keyList(), [token, this.#limit, this.#leaseMs, this.#keys.channel, KEY_TTL_MS])) as [
      number,
      number,
    ];
    return reply[0] === 1;
  }

  async #release(token: string): Promise<void> {
    const k = this.#keys;
    const call = RELEASE.run(this.#redis, [k.holders, k.tickets, k.ticketLeases], [token, k.channel]);
    try {
      // After a lease the slot is free anyway: waiting longer on an unreachable Redis gains nothing.
      await withTimeout(call, this.#leaseMs, { what: "releasing a model slot" });
    } catch (error) {
      if (!(error instanceof TimeoutError)) this.#log?.warn({ err: error, token }, "could not release a model slot; its lease will expire");
    }
  }

  #hold(token: string): Slot {
    const lost = new AbortController();
    let released = false;
    let releasing: Promise<void> | null = null;
    let renewing = false;
    const renew = async () => {
      if (renewing) return;
      renewing = true;
      try {
        const state = (await RENEW.run(this.#redis, this.#keyList(), [token, this.#limit, this.#leaseMs, this.#keys.channel, KEY_TTL_MS])) as number;
        if (state === 0 && !released) {
          clearInterval(beat);
          lost.abort(new SlotLostError(token));
        }
      } catch (error) {
        this.#log?.warn({ err: error, token }, "could not renew a model slot lease; retrying");
      } finally {
        renewing = false;
      }
    };
    const beat = setInterval(() => void renew(), this.#heartbeatMs);
    beat.unref();
    const release = () => {
      released = true;
      clearInterval(beat);
      this.#closers.delete(release);
      releasing ??= this.#release(token);
      return releasing;
    };
    this.#closers.add(release);
    return { token, signal: lost.signal, release };
  }
}
