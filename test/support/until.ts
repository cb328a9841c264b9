/**
 * Polls `probe` until it is true, failing with `what` after `timeoutMs`: for states that arrive in
 * their own time (a notification on another connection, a replica's next key read), waited for as
 * observable states rather than for a fixed time.
 */
export async function until(
  what: string,
  probe: () => boolean | Promise<boolean>,
  options: { readonly timeoutMs?: number; readonly everyMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, options.everyMs ?? 10));
  }
}
