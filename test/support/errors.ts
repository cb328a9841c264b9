/**
 * The error a test expects, of its class, handed back for checks of its `code` and message:
 * `thrownBy(ConfigError, () => resolveConfig(...))`. Anything else thrown fails the test as it was
 * thrown; nothing thrown fails it saying what was expected.
 */
type ErrorClass<E extends Error> = abstract new (...args: never[]) => E;

export function thrownBy<E extends Error>(type: ErrorClass<E>, run: () => unknown): E {
  try {
    run();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** The same for a promise: the error of class `type` it rejects with. */
export async function rejectionOf<E extends Error>(
  type: ErrorClass<E>,
  promise: Promise<unknown>,
): Promise<E> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}, but the promise resolved`);
}
