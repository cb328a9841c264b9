export interface ReadOptions {
  /** Called for each component or package that was skipped, and why. */
  warn?: (message: string) => void;
}
