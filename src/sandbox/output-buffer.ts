// Output kept within a bound however much a command prints: its beginning and its end, with the
// number of bytes left out between them (what a person or a model reads first and last).

export class OutputBuffer {
  readonly #half: number;
  #head: Buffer[] = [];
  #headBytes = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #dropped = 0;

  constructor(maxBytes: number) {
    this.#half = Math.max(1, Math.floor(maxBytes / 2));
  }

  push(chunk: Buffer): void {
    if (this.#headBytes < this.#half) {
      const room = this.#half - this.#headBytes;
      this.#head.push(chunk.subarray(0, room));
      this.#headBytes += Math.min(room, chunk.length);
      chunk = chunk.subarray(room);
      if (chunk.length === 0) return;
    }
    this.#tail.push(chunk);
    this.#tailBytes += chunk.length;
    while (this.#tailBytes > this.#half) {
      const first = this.#tail[0] as Buffer;
      const excess = this.#tailBytes - this.#half;
      if (first.length <= excess) {
        this.#tail.shift();
        this.#tailBytes -= first.length;
        this.#dropped += first.length;
      } else {
        this.#tail[0] = first.subarray(excess);
        this.#tailBytes -= excess;
        this.#dropped += excess;
      }
    }
  }

  /** Bytes seen in all. */
  get totalBytes(): number {
    return this.#headBytes + this.#dropped + this.#tailBytes;
  }

  /** The text, with a note where bytes were left out; empties the buffer. */
  take(): string {
    const head = Buffer.concat(this.#head).toString("utf8");
    const tail = Buffer.concat(this.#tail).toString("utf8");
    const text = this.#dropped > 0 ? `${head}\n[... ${this.#dropped} bytes of output left out ...]\n${tail}` : head + tail;
    this.#head = [];
    this.#tail = [];
    this.#headBytes = 0;
    this.#tailBytes = 0;
    this.#dropped = 0;
    return text;
  }
}
