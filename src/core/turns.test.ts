import { describe, expect, it } from "vitest";
import { nextTurn } from "./turns.js";

describe("nextTurn", () => {
  it("lets I/O and timers run between two waiters", async () => {
    const order: string[] = [];
    const a = nextTurn().then(() => order.push("a"));
    const b = nextTurn().then(() => order.push("b"));
    // An immediate queued now runs in the same iteration as the first waiter, before the second.
    setImmediate(() => order.push("between"));
    await Promise.all([a, b]);
    expect(order).toEqual(["a", "between", "b"]);
  });
});
