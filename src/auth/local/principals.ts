import type { AccountStore, RobotRecord, UserRecord } from "./store.js";

export interface PrincipalCacheOptions {
  /**
   * How often the store's revision is compared with the one the remembered principals were read
   * under (other replicas' changes): the longest a change made on another replica goes unseen here.
   */
  readonly revisionCheckMs?: number;
  /** Principals remembered at most (the least recently used are read again). */
  readonly max?: number;
  readonly now?: () => number;
}

type Robot = RobotRecord & { readonly secretHash: string };
type User = UserRecord & { readonly passwordHash: string | null };

/**
 * The users and robots requests name, remembered while the account store's revision stays where it
 * was. A client sends its token (or a robot its secret) with every request, and reading the principal
 * from the database each time cost more than the rest of a small blob's authorisation. Every store
 * write moves the revision in its own transaction: this process's writes forget everything at once,
 * other replicas' when their notification arrives (AccountStore.changedElsewhere, sent with the commit)
 * or at the latest within `revisionCheckMs` (1 s), so disabling a user or revoking, rotating or deleting
 * a robot stops its tokens at once everywhere.
 */
export class PrincipalCache {
  private readonly robots = new Map<string, Robot | undefined>();
  private readonly users = new Map<string, User | undefined>();
  /** Moves whenever remembered entries are dropped, so a read begun before a change is not kept. */
  private generation = 0;
  private revision: number | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  private readonly revisionCheckMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(
    private readonly store: AccountStore,
    options: PrincipalCacheOptions = {},
  ) {
    this.revisionCheckMs = options.revisionCheckMs ?? 1000;
    this.max = options.max ?? 10_000;
    this.now = options.now ?? Date.now;
    store.onChange(() => {
      this.forget();
      // The next use reads the new revision, so the periodic check does not drop everything again.
      this.checkedAt = Number.NEGATIVE_INFINITY;
    });
  }

  async robot(name: string): Promise<Robot | undefined> {
    return this.remembered(this.robots, name, () => this.store.findRobot(name));
  }

  async user(name: string): Promise<User | undefined> {
    return this.remembered(this.users, name, () => this.store.findUser(name));
  }

  private async remembered<T>(
    entries: Map<string, T | undefined>,
    name: string,
    read: () => Promise<T | undefined>,
  ): Promise<T | undefined> {
    await this.checkRevision();
    if (entries.has(name)) {
      const entry = entries.get(name);
      // Least recently used last: re-inserting keeps the map's order the eviction order.
      entries.delete(name);
      entries.set(name, entry);
      return entry;
    }
    const generation = this.generation;
    const entry = await read();
    if (generation === this.generation) {
      if (entries.size >= this.max) entries.delete(entries.keys().next().value as string);
      entries.set(name, entry);
    }
    return entry;
  }

  private async checkRevision(): Promise<void> {
    if (this.now() - this.checkedAt < this.revisionCheckMs) return;
    this.checking ??= this.readRevision().finally(() => {
      this.checking = undefined;
    });
    await this.checking;
  }

  private async readRevision(): Promise<void> {
    const checked = this.now();
    const generation = this.generation;
    const revision = await this.store.revision();
    // A write of this process during the read has already dropped everything, and its listener asks
    // for the revision to be read again: the one read here may be from before that write.
    const wroteMeanwhile = generation !== this.generation;
    if (revision !== this.revision) this.forget();
    this.revision = revision;
    if (!wroteMeanwhile) this.checkedAt = checked;
  }

  private forget(): void {
    this.robots.clear();
    this.users.clear();
    this.generation++;
  }
}
