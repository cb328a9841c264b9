import { useState } from "react";
import { ApiError } from "../api";

/**
 * One write at a time and its outcome: `run` marks the form busy, and a failure keeps the API's own
 * message (its `errors[0].message`), shown as text by <Problem>.
 */
export interface Action {
  readonly busy: boolean;
  readonly problem: string;
  run(work: () => Promise<void>): Promise<boolean>;
  clear(): void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState("");
  return {
    busy,
    problem,
    clear: () => setProblem(""),
    async run(work) {
      setBusy(true);
      setProblem("");
      try {
        await work();
        return true;
      } catch (error) {
        setProblem(
          error instanceof ApiError
            ? `${error.message} (${error.code})`
            : error instanceof Error
              ? error.message
              : String(error),
        );
        return false;
      } finally {
        setBusy(false);
      }
    },
  };
}

/** A failed write's message, announced, as text (a server message never becomes markup). */
export function Problem({ id, action }: { id: string; action: Action }) {
  if (!action.problem) return null;
  return (
    <p id={id} className="failure" role="alert">
      {action.problem}
    </p>
  );
}
