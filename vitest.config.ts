import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // web/ tests ask for jsdom per file (`// @vitest-environment jsdom`).
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Property tests draw from a fixed seed in CI (see the file).
    setupFiles: ["test/support/fast-check-seed.ts"],
    pool: "forks",
    // CI also keeps a machine-readable summary, from which .ci/run prints a closing line per Node.
    reporters: process.env.CI ? ["default", ["json", { outputFile: ".ci/results.json" }]] : ["default"],
  },
});
