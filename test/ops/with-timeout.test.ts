import { describe, expect, it } from "vitest";
import { TimeoutError, withTimeout } from "../../src/ops/with-timeout.js";

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe("withTimeout", () => {
  it("gives the promise's own outcome when it settles first", async () => {
    await expect(withTimeout(Promise.resolve(42), 60_000)).resolves.toBe(42);
    await expect(withTimeout(Promise.reject(new Error("refused")), 60_000)).rejects.toThrow("refused");
  });

  it("rejects with a TimeoutError naming the work when time runs out", async () => {
    const error = await withTimeout(never(), 5, { what: "PING" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toBe("PING did not finish within 5 ms");
  });

  it("rejects with onTimeout's error, which may cancel the work, and leaves a late rejection unheard", async () => {
    const controller = new AbortController();
    let rejectLater: (error: Error) => void = () => undefined;
    const work = new Promise<never>((_, reject) => {
      rejectLater = reject;
    });
    const error = await withTimeout(work, 5, {
      unref: false,
      onTimeout: () => {
        controller.abort();
        return new Error("no answer from Redis within 5 ms");
      },
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe("no answer from Redis within 5 ms");
    expect(controller.signal.aborted).toBe(true);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    rejectLater(new Error("too late"));
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onUnhandled);
    expect(unhandled).toEqual([]);
  });
});
