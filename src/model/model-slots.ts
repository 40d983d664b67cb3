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

// KEYS: 1 holders (token → lease end), 2 tickets (token → sequence), 3 ticket leases (token → lease
// end), 4 ticket sequence. Times in ms from Redis's clock.
const COMMON = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drops expired holders and waiters; returns how many went, so waiters can be told to look again.
local function prune(now)
  local gone = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  for _, token in ipairs(dead) do redis.call('ZREM', KEYS[2], token) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  return gone + #dead
end
local function touch(ttl)
  for i = 1, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
`;

// KEYS[5] (the scripts that grant): a lower cap learned from the server, if any.
const EFFECTIVE_LIMIT = `
local function effective(limit)
  local learned = tonumber(redis.call('GET', KEYS[5]) or '')
  if learned and learned >= 1 and learned < limit then return learned end
  return limit
end
`;

// ARGV: token, limit, lease ms, channel, key ttl ms. Returns { granted (0|1), tickets ahead }.
const TRY_ACQUIRE = `${COMMON}${EFFECTIVE_LIMIT}
local token, lease = ARGV[1], tonumber(ARGV[3])
local limit = effective(tonumber(ARGV[2]))
local now = now_ms()
local changed = prune(now)
local granted, ahead = 0, 0
if redis.call('ZSCORE', KEYS[1], token) then
  redis.call('ZADD', KEYS[1], now + lease, token)
  granted = 1
else
  if not redis.call('ZSCORE', KEYS[2], token) then
    redis.call('ZADD', KEYS[2], redis.call('INCR', KEYS[4]), token)
  end
  ahead = redis.call('ZRANK', KEYS[2], token)
  -- The first (free) tickets in line may go: nobody overtakes an earlier ticket.
  if ahead < limit - redis.call('ZCARD', KEYS[1]) then
    redis.call('ZREM', KEYS[2], token)
    redis.call('ZREM', KEYS[3], token)
    redis.call('ZADD', KEYS[1], now + lease, token)
    granted = 1
  else
    redis.call('ZADD', KEYS[3], now + lease, token)
  end
end
touch(ARGV[5])
if changed > 0 then redis.call('PUBLISH', ARGV[4], 'expired') end
return { granted, ahead }
`;

// ARGV: token, limit, lease ms, channel, key ttl ms. Returns 1 renewed, 2 regained, 0 lost.
const RENEW = `${COMMON}${EFFECTIVE_LIMIT}
local token, lease = ARGV[1], tonumber(ARGV[3])
local limit = effective(tonumber(ARGV[2]))
local now = now_ms()
if redis.call('ZSCORE', KEYS[1], token) then
  redis.call('ZADD', KEYS[1], now + lease, token)
  touch(ARGV[5])
  return 1
end
local changed = prune(now)
if changed > 0 then redis.call('PUBLISH', ARGV[4], 'expired') end
-- The lease ran out but nobody wanted the slot: take it back, since no waiter is overtaken.
if redis.call('ZCARD', KEYS[2]) == 0 and redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now + lease, token)
  touch(ARGV[5])
  return 2
end
return 0
`;

// ARGV: token, channel. Gives back a slot or a place in line; returns how many entries went.
const RELEASE = `
local gone = redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if gone > 0 then redis.call('PUBLISH', ARGV[2], 'released') end
return gone
`;

// KEYS: 1 learned limit. ARGV: limit, ttl ms. Keeps the lower of the stored and the new limit.
const LOWER_LIMIT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '')
local limit = tonumber(ARGV[1])
if current and current < limit then limit = current end
redis.call('SET', KEYS[1], limit, 'PX', ARGV[2])
return limit
`;

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
      throw new Error(`The model slot limit must be a whole number of at least 1, got ${options.limit}; set LLM_MAX_CONCURRENCY to how many requests the model server runs at once.`);
    }
    this.#redis = options.redis;
    this.#limit = options.limit;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#heartbeatMs = options.heartbeatMs ?? Math.max(10, Math.floor(this.#leaseMs / 5));
    if (this.#heartbeatMs * 2 > this.#leaseMs) {
      throw new Error(`The model slot heartbeat (${this.#heartbeatMs} ms) must be at most half the lease (${this.#leaseMs} ms), or live holders lose their slots.`);
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
    await this.#redis.eval(LOWER_LIMIT, 1, this.#keys.learnedLimit, Math.max(1, Math.floor(limit)), LEARNED_LIMIT_TTL_MS);
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
    const reply = (await this.#redis.eval(
      TRY_ACQUIRE,
      5,
      ...this.#keyList(),
      token,
      this.#limit,
      this.#leaseMs,
      this.#keys.channel,
      KEY_TTL_MS,
    )) as [number, number];
    return reply[0] === 1;
  }

  async #release(token: string): Promise<void> {
    const k = this.#keys;
    const call = this.#redis.eval(RELEASE, 3, k.holders, k.tickets, k.ticketLeases, token, k.channel);
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
        const state = (await this.#redis.eval(
          RENEW,
          5,
          ...this.#keyList(),
          token,
          this.#limit,
          this.#leaseMs,
          this.#keys.channel,
          KEY_TTL_MS,
        )) as number;
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
