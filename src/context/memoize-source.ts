import type { FileSource } from "./types.js";

/**
 * A source that reads each path once: a review that re-packs (after a server's overflow answer)
 * does not fetch the same files from GitHub again. Failed reads are not remembered.
 */
export function memoizeSource(source: FileSource): FileSource {
  const reads = new Map<string, Promise<string | null>>();
  return {
    read(path) {
      let read = reads.get(path);
      if (!read) {
        read = source.read(path);
        reads.set(path, read);
        read.catch(() => reads.delete(path));
      }
      return read;
    },
  };
}
