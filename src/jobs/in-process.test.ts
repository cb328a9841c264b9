import { describe, expect, it } from "vitest";
import { InProcessQueue } from "./index.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("InProcessQueue", () => {
  it("runs jobs in order with bounded concurrency", async () => {
    const queue = new InProcessQueue();
    const started: number[] = [];
    let active = 0;
    let peak = 0;
    queue.work<number>(
      "k",
      async (n) => {
        started.push(n);
        active++;
        peak = Math.max(peak, active);
        await tick();
        active--;
      },
      { concurrency: 2 },
    );
    for (let i = 0; i < 6; i++) queue.enqueue("k", i);
    expect(queue.pending()).toBe(6);
    await queue.drain();
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(queue.pending()).toBe(0);
  });

  it("keeps jobs until a worker for their kind registers", async () => {
    const queue = new InProcessQueue();
    const seen: string[] = [];
    queue.enqueue("later", "a");
    // Held, not dropped: enqueue hands a job to a worker at once when there is one, so nothing later
    // can change this before a worker registers.
    expect(queue.pending()).toBe(1);
    queue.work<string>("later", async (p) => {
      seen.push(p);
    });
    await queue.drain();
    expect(seen).toEqual(["a"]);
  });

  it("deduplicates waiting jobs by key, and takes the key again once the job started", async () => {
    const queue = new InProcessQueue();
    const seen: string[] = [];
    queue.enqueue("scan", "first", { key: "sha256:a" });
    queue.enqueue("scan", "duplicate", { key: "sha256:a" });
    queue.enqueue("scan", "other", { key: "sha256:b" });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    queue.work<string>("scan", async (p) => {
      seen.push(p);
      if (p === "first") await gate;
    });
    queue.enqueue("scan", "again", { key: "sha256:a" });
    release();
    await queue.drain();
    expect(seen).toEqual(["first", "other", "again"]);
  });

  it("reports a failing job and goes on", async () => {
    const errors: string[] = [];
    const queue = new InProcessQueue((err, kind) => errors.push(`${kind}: ${(err as Error).message}`));
    const seen: number[] = [];
    queue.work<number>("k", async (n) => {
      if (n === 1) throw new Error("boom");
      seen.push(n);
    });
    for (const n of [0, 1, 2]) queue.enqueue("k", n);
    await queue.drain();
    expect(seen).toEqual([0, 2]);
    expect(errors).toEqual(["k: boom"]);
  });

  it("close drops waiting jobs, lets running ones finish, and refuses new ones", async () => {
    const queue = new InProcessQueue();
    const seen: number[] = [];
    queue.work<number>("k", async (n) => {
      await tick();
      seen.push(n);
    });
    queue.enqueue("k", 1);
    queue.enqueue("k", 2);
    await queue.close();
    queue.enqueue("k", 3);
    await queue.drain();
    expect(seen).toEqual([1]);
  });
});
