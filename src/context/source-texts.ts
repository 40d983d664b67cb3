// Sources at the head for one pack: read ahead of use, each once, judged for generator markers.
import type { FileDiff } from "../diff/index.js";
import { addedText, contentSkipReason, leadingDiffText } from "./filters.js";
import type { FileSource } from "./types.js";

/**
 * Sources at the head, read a few files ahead of the one being prepared (network latency hides
 * behind counting). Each file is read once per pack; what its content says is remembered so that a
 * second, lean pass need not read it again.
 */
export class SourceTexts {
  readonly #source: FileSource | undefined;
  readonly #files: readonly { diff: FileDiff }[];
  readonly #ahead: number;
  readonly #reads = new Map<number, Promise<string | null>>();
  readonly #claims = new Map<number, string | null>();

  constructor(source: FileSource | undefined, files: readonly { diff: FileDiff }[], ahead: number) {
    this.#source = source;
    this.#files = files;
    this.#ahead = ahead;
  }

  async read(index: number): Promise<string | null> {
    for (let k = index; k <= index + this.#ahead && k < this.#files.length; k++) {
      if (!this.#reads.has(k) && !this.#claims.has(k)) this.#reads.set(k, readSource(this.#source, (this.#files[k] as { diff: FileDiff }).diff));
    }
    const text = (await this.#reads.get(index)) ?? null;
    // Texts are large; once judged, only the verdict is kept.
    this.#reads.delete(index);
    return text;
  }

  /** Generated or minified, judged from the head's text (or, without it, from the diff). */
  judge(index: number, text: string | null): string | null {
    const diff = (this.#files[index] as { diff: FileDiff }).diff;
    const claim = contentSkipReason(text ?? `${leadingDiffText(diff)}\n${addedText(diff)}`);
    this.#claims.set(index, claim);
    return claim;
  }

  claim(index: number): string | null | undefined {
    return this.#claims.get(index);
  }
}

async function readSource(source: FileSource | undefined, diff: FileDiff): Promise<string | null> {
  if (!source || diff.newPath === null) return null;
  // A new file's diff is its whole content: no need to ask GitHub for it.
  const whole = contentOfAddedFile(diff);
  if (whole !== null) return whole;
  try {
    return await source.read(diff.path);
  } catch {
    // An unreadable source costs the file its context, not the review.
    return null;
  }
}

/** The text of an added file whose single hunk holds every line, rebuilt exactly; else null. */
export function contentOfAddedFile(diff: FileDiff): string | null {
  const [hunk, ...more] = diff.hunks;
  if (diff.status !== "added" || !hunk || more.length > 0 || hunk.oldLines !== 0 || hunk.newStart > 1) return null;
  if (hunk.lines.some((line) => line.kind !== "add")) return null;
  return hunk.lines.map((line) => `${line.text}${line.crlf ? "\r" : ""}${line.noNewlineAtEof ? "" : "\n"}`).join("");
}
