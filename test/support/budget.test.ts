import { describe, expect, it } from "vitest";
import { BudgetExceeded, expectLinear, measure, measureAsync, overBudget, withinBudget } from "./budget.js";

const MiB = 2 ** 20;

/** About `n` × 40 bytes of live objects. */
function objects(n: number): { i: number; s: string }[] {
  const out: { i: number; s: string }[] = [];
  for (let i = 0; i < n; i++) out.push({ i, s: `x${i}` });
  return out;
}

describe("measure", () => {
  it("counts what the result keeps", () => {
    const { value, usage } = measure(() => objects(300_000));
    expect(value).toHaveLength(300_000);
    expect(usage.memoryBytes).toBeGreaterThan(10 * MiB);
    expect(usage.memoryBytes).toBeLessThan(64 * MiB);
  });

  it("sees a structure the call built and dropped before returning", () => {
    const { usage } = measure(() => objects(1_000_000).length);
    expect(usage.collections).toBeGreaterThan(0);
    expect(usage.memoryBytes).toBeGreaterThan(30 * MiB);
  });

  it("does not count garbage", () => {
    const { usage } = measure(() => {
      let total = 0;
      for (let i = 0; i < 200_000; i++) total += new Array(100).fill(i).length; // some 160 MiB churned
      return total;
    });
    expect(usage.memoryBytes).toBeLessThan(8 * MiB);
  });

  it("counts external memory (Buffers), even just after dead ones were collected", async () => {
    let dead: Buffer[] | undefined = Array.from({ length: 64 }, () => Buffer.alloc(MiB, 1));
    expect(dead).toHaveLength(64);
    dead = undefined; // freed by the baseline's collection, whose sweep the count lags behind
    const { value, usage } = await measureAsync(async () => Buffer.alloc(64 * MiB, 1));
    expect(value.length).toBe(64 * MiB);
    expect(usage.memoryBytes).toBeGreaterThanOrEqual(64 * MiB);
    expect(usage.memoryBytes).toBeLessThan(80 * MiB);
  });
});

describe("withinBudget", () => {
  it("returns the value and usage when within budget", () => {
    const { value } = withinBudget(
      { what: "sum", size: 10 },
      { cpuMs: 1000, memoryBytes: 4 * MiB },
      () => 55,
    );
    expect(value).toBe(55);
  });

  it("names the input's size, what went over and the rule, when memory grows too fast", () => {
    const budget = { memoryBytes: { fixed: 4 * MiB, perUnit: 64 } };
    expect(() => withinBudget({ what: "copies", size: 1000 }, budget, () => objects(1000))).not.toThrow();
    let error: unknown;
    try {
      withinBudget({ what: "copies", size: 10_000, unit: "items" }, budget, () => objects(10_000 * 30));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(BudgetExceeded);
    expect((error as Error).message).toMatch(
      /^copies on an input of 10,000 items: peak memory [\d.]+ MiB is over its budget of 4\.61 MiB \(4\.00 MiB \+ 64 B per item\)/,
    );
  });

  it("measures once, precisely, unless asked to be quick", () => {
    let calls = 0;
    const run = () => {
      calls++;
      return objects(300_000);
    };
    expect(() => withinBudget({ what: "large", size: 1 }, { memoryBytes: 4 * MiB }, run)).toThrow(
      BudgetExceeded,
    );
    expect(calls).toBe(1);
  });

  it("when quick, calls a small call once, and one over its memory budget again to measure it precisely", () => {
    let calls = 0;
    const small = withinBudget(
      { what: "small", size: 1 },
      { memoryBytes: 4 * MiB },
      () => {
        calls++;
        return objects(100);
      },
      { quick: true },
    );
    expect([calls, small.usage.remeasured]).toEqual([1, undefined]);
    calls = 0;
    const large = () => {
      calls++;
      return objects(300_000);
    };
    expect(() =>
      withinBudget({ what: "large", size: 1 }, { memoryBytes: 4 * MiB }, large, { quick: true }),
    ).toThrow(BudgetExceeded);
    expect(calls).toBe(2);
  });

  it("prints the exact amounts where rounding would show them equal (where shrinking ends)", () => {
    const usage = { cpuMs: 1, wallMs: 1, memoryBytes: 4 * MiB + 1, collections: 0 };
    expect(overBudget({ what: "x", size: 0 }, { memoryBytes: 4 * MiB }, usage)).toEqual([
      "peak memory 4,194,305 B is over its budget of 4,194,304 B",
    ]);
  });

  it("fails on CPU time", () => {
    expect(() =>
      withinBudget({ what: "spin", size: 1 }, { cpuMs: 20 }, () => {
        const cpu = process.cpuUsage();
        while (process.cpuUsage(cpu).user < 50_000);
      }),
    ).toThrow(/^spin on an input of 1 bytes: CPU time \d+ ms is over its budget of 20 ms/);
  });
});

describe("expectLinear", () => {
  it("passes linear growth and fails quadratic growth", () => {
    expect(() => expectLinear("linear", { size: 100, ms: 10 }, { size: 800, ms: 95 })).not.toThrow();
    expect(() => expectLinear("quadratic", { size: 100, ms: 10 }, { size: 800, ms: 640 })).toThrow(
      /^quadratic is not linear: 100 → 800 \(8\.0×\) took 10\.0 → 640\.0 ms \(64\.0×\)/,
    );
  });
});
