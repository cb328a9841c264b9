/**
 * A bounded memo of parsed versions for the schemes whose parse allocates (Maven, RubyGems,
 * NuGet, the library-backed ones): a scan compares one installed version against every range of
 * every advisory for its package, so the same strings come back many times. The map is cleared
 * when full rather than tracking recency: cheap, and the working set of one package is small.
 */
export class ParseCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    private readonly parse: (version: string) => T,
    private readonly limit = 16384,
  ) {}

  get(version: string): T {
    let value = this.entries.get(version);
    if (value === undefined) {
      value = this.parse(version);
      if (this.entries.size >= this.limit) this.entries.clear();
      this.entries.set(version, value);
    }
    return value;
  }
}
