import { PortcullisError } from "../../core/index.js";

/** A Dockerfile BuildKit would refuse to parse. The message always starts with `line N: `. */
export class DockerfileError extends PortcullisError<"DOCKERFILE_INVALID"> {
  declare readonly detail: { readonly line: number };

  constructor(line: number, message: string, options: { cause?: unknown } = {}) {
    super("DOCKERFILE_INVALID", `line ${line}: ${message}`, { ...options, detail: { line } });
  }

  /** The 1-based line the error is about. */
  get line(): number {
    return this.detail.line;
  }
}
