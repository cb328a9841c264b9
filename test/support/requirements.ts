/**
 * What a test needs from the machine (a tool, a server, a data set) and is not always there.
 *
 * Locally a missing requirement skips the test and says why on stderr. With `CI` set it fails the run
 * with the requirement's name: CI installs every tool and lays out every data set, so a missing one is a
 * broken CI, and a green run must mean every test ran. Use it as
 * `describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))(...)`.
 */
export function unavailable(what: string, present: boolean): boolean {
  if (present) return false;
  if (process.env.CI) {
    throw new Error(`CI is set but ${what} is missing: install it (see .ci/run) rather than skip its tests`);
  }
  process.stderr.write(`skipping tests that need ${what}: it is not available on this machine\n`);
  return true;
}
