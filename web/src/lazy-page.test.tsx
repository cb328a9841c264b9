// @vitest-environment jsdom
import { act, cleanup, render, screen } from "@testing-library/react";
import { Suspense } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { lazyPage } from "./lazy-page";

afterEach(cleanup);

function Hello({ name }: { name: string }) {
  return <p>hello {name}</p>;
}

describe("lazyPage", () => {
  it("renders a loaded page at once, with no Suspense fallback (so no 300 ms reveal throttle)", async () => {
    const page = lazyPage(() => Promise.resolve({ default: Hello }));
    await page.load();
    render(
      <Suspense fallback={<p>fallback</p>}>
        <page.Page name="a" />
      </Suspense>,
    );
    // Synchronously, in the first commit: no fallback in between.
    expect(screen.getByText("hello a")).toBeTruthy();
    expect(screen.queryByText("fallback")).toBeNull();
  });

  it("suspends like React.lazy while the code is still loading", async () => {
    let resolve: (module: { default: typeof Hello }) => void = () => {};
    const page = lazyPage(() => new Promise<{ default: typeof Hello }>((r) => (resolve = r)));
    render(
      <Suspense fallback={<p>fallback</p>}>
        <page.Page name="b" />
      </Suspense>,
    );
    expect(screen.getByText("fallback")).toBeTruthy();
    await act(async () => resolve({ default: Hello }));
    expect(await screen.findByText("hello b")).toBeTruthy();
  });

  it("asks again after a failed load (a network blip must not break the page for good)", async () => {
    let calls = 0;
    const page = lazyPage<{ name: string }>(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject<{ default: typeof Hello }>(new Error("offline"))
        : Promise.resolve({ default: Hello });
    });
    await expect(page.load()).rejects.toThrow("offline");
    await page.load();
    expect(calls).toBe(2);
  });
});
