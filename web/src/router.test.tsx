// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hrefWith,
  imagePath,
  isLocalPath,
  Link,
  matchRoute,
  navigate,
  pageParam,
  repositoryPath,
  updateQuery,
  useLocation,
  useQueryParam,
} from "./router";

describe("matchRoute", () => {
  it("maps every page, repository names with slashes and images by digest", () => {
    expect(matchRoute("/")).toEqual({ page: "repositories" });
    expect(matchRoute("/repositories/")).toEqual({ page: "repositories" });
    expect(matchRoute("/decisions")).toEqual({ page: "decisions" });
    expect(matchRoute("/repositories/team/sub/app")).toEqual({ page: "repository", name: "team/sub/app" });
    const digest = `sha256:${"a".repeat(64)}`;
    expect(matchRoute(`/repositories/team/app/manifests/${digest}`)).toEqual({
      page: "image",
      name: "team/app",
      digest,
    });
    // "manifests" may be part of a repository name: without a digest after it, it is one.
    expect(matchRoute("/repositories/team/manifests/app")).toEqual({
      page: "repository",
      name: "team/manifests/app",
    });
    expect(matchRoute("/nothing/here")).toEqual({ page: "not-found" });
  });

  it("round-trips the paths it builds, percent-encoding included", () => {
    const name = "team/app with space";
    expect(matchRoute(repositoryPath(name))).toEqual({ page: "repository", name });
    const digest = `sha256:${"b".repeat(64)}`;
    expect(matchRoute(imagePath("a/b", digest).split("?")[0]!)).toEqual({
      page: "image",
      name: "a/b",
      digest,
    });
    expect(imagePath("a/b", digest, { tab: "packages" })).toBe(
      `/repositories/a/b/manifests/${digest}?tab=packages`,
    );
  });
});

describe("URL helpers", () => {
  it("hrefWith drops empty values and keeps the order given", () => {
    expect(hrefWith("/x", { q: "", page: 2, sort: undefined, order: null, a: "b c" })).toBe(
      "/x?page=2&a=b+c",
    );
    expect(hrefWith("/x", {})).toBe("/x");
  });

  it("isLocalPath accepts only this site's paths", () => {
    expect(isLocalPath("/decisions?x=1")).toBe(true);
    for (const bad of [
      "//evil.example",
      "/\\evil.example",
      "https://evil.example/",
      "javascript:alert(1)",
      "",
    ]) {
      expect(isLocalPath(bad), bad).toBe(false);
    }
    expect(() => navigate("https://evil.example/")).toThrow(/not a path/);
  });

  it("pageParam reads a positive integer, 1 otherwise", () => {
    expect(pageParam(new URLSearchParams("page=3"))).toBe(3);
    for (const bad of ["page=0", "page=-1", "page=x", "page=1.5", ""]) {
      expect(pageParam(new URLSearchParams(bad)), bad).toBe(1);
    }
  });
});

function Probe() {
  const location = useLocation();
  const [q, setQ] = useQueryParam("q");
  return (
    <div>
      <output data-testid="href">{location.href}</output>
      <input aria-label="q" value={q} onChange={(event) => setQ(event.target.value, { replace: true })} />
      <Link to="/decisions?effect=deny">deny</Link>
    </div>
  );
}

describe("the router in a page", () => {
  beforeEach(() => window.history.replaceState(null, "", "/repositories?page=3"));
  afterEach(cleanup);

  it("a Link navigates in place, and Back returns", async () => {
    render(<Probe />);
    expect(screen.getByTestId("href").textContent).toBe("/repositories?page=3");
    fireEvent.click(screen.getByText("deny"));
    expect(screen.getByTestId("href").textContent).toBe("/decisions?effect=deny");
    expect(window.location.pathname).toBe("/decisions");
    await act(async () => {
      window.history.back();
      await new Promise((resolve) => window.addEventListener("popstate", resolve, { once: true }));
    });
    expect(screen.getByTestId("href").textContent).toBe("/repositories?page=3");
  });

  it("a modified click is left to the browser (new tab)", () => {
    render(<Probe />);
    const link = screen.getByText("deny");
    expect(link.getAttribute("href")).toBe("/decisions?effect=deny");
    let leftToBrowser = false;
    const stop = (event: Event) => {
      leftToBrowser = !event.defaultPrevented;
      event.preventDefault(); // jsdom cannot open a tab
    };
    document.addEventListener("click", stop);
    fireEvent.click(link, { ctrlKey: true });
    document.removeEventListener("click", stop);
    expect(leftToBrowser).toBe(true);
    expect(window.location.pathname).toBe("/repositories");
  });

  it("a filter is URL state: typing rewrites the query in place and goes back to page 1", () => {
    const before = window.history.length;
    render(<Probe />);
    fireEvent.change(screen.getByLabelText("q"), { target: { value: "nginx" } });
    expect(window.location.search).toBe("?q=nginx");
    expect(window.history.length).toBe(before);
    act(() => updateQuery({ sort: "size", page: "2" }));
    expect(window.location.search).toBe("?q=nginx&sort=size&page=2");
    act(() => updateQuery({ q: "" }));
    expect(window.location.search).toBe("?sort=size");
  });
});
