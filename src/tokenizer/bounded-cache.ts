/**
 * A string-keyed cache holding at most `2 * limit` entries: when the young generation fills up it
 * becomes the old one and the previous old one is dropped. Entries used since then are promoted,
 * so what a large pull request keeps touching survives, at the cost of two map lookups on a miss.
 */
export class GenerationalCache<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #limit: number;

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string): V | undefined {
    const young = this.#young.get(key);
    if (young !== undefined) return young;
    const old = this.#old.get(key);
    if (old !== undefined) this.set(key, old);
    return old;
  }

  set(key: string, value: V): void {
    this.#young.set(key, value);
    if (this.#young.size >= this.#limit) {
      this.#old = this.#young;
      this.#young = new Map<string, V>();
    }
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }
}
