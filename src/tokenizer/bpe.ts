import { pairSlot, type BpeTables } from "./tokenizer-data.js";

/** Beyond this many symbols the quadratic scan loses to a heap (long whitespace or letter runs). */
const QUADRATIC_LIMIT = 48;

/** UTF-8 bytes of a pre-token, lone surrogates as U+FFFD (as TextEncoder does). */
function utf8Bytes(piece: string, out: number[]): void {
  for (let i = 0; i < piece.length; i++) {
    let code = piece.charCodeAt(i);
    if (code < 0x80) {
      out.push(code);
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const low = piece.charCodeAt(i + 1);
      if (code <= 0xdbff && low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
        out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
        continue;
      }
      code = 0xfffd;
    }
    if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
}

/**
 * Byte-level BPE of one pre-token, with Hugging Face's merge order: repeatedly apply the lowest-rank
 * merge among adjacent pairs, the leftmost one on ties (`Word::merge_all` in tokenizers).
 */
export function bpeEncode(tables: BpeTables, piece: string): number[] {
  const bytes: number[] = [];
  utf8Bytes(piece, bytes);
  const ids = bytes.map((byte) => tables.byteToId[byte] ?? 0);
  return ids.length > QUADRATIC_LIMIT ? mergeWithHeap(tables, ids) : mergeQuadratic(tables, ids);
}

/** Slot of the merge (left, right) in the pair table, or -1. */
function findPair(tables: BpeTables, left: number, right: number): number {
  const { pairLeft, pairRight, pairRank, pairMask } = tables;
  for (let slot = pairSlot(left, right, pairMask); ; slot = (slot + 1) & pairMask) {
    if ((pairRank[slot] ?? -1) < 0) return -1;
    if (pairLeft[slot] === left && pairRight[slot] === right) return slot;
  }
}

export function mergeQuadratic(tables: BpeTables, ids: number[]): number[] {
  const { pairRank, pairResult } = tables;
  while (ids.length > 1) {
    let bestRank = Infinity;
    let bestPos = -1;
    let bestResult = 0;
    for (let i = 0; i + 1 < ids.length; i++) {
      const slot = findPair(tables, ids[i] ?? 0, ids[i + 1] ?? 0);
      if (slot < 0) continue;
      const rank = pairRank[slot] ?? 0;
      if (rank < bestRank) {
        bestRank = rank;
        bestPos = i;
        bestResult = pairResult[slot] ?? 0;
      }
    }
    if (bestPos < 0) break;
    ids[bestPos] = bestResult;
    ids.splice(bestPos + 1, 1);
  }
  return ids;
}

/** The same merge order in O(n log n): a min-heap of (rank, position) over a linked list of symbols. */
export function mergeWithHeap(tables: BpeTables, ids: number[]): number[] {
  const { pairRank, pairResult } = tables;
  const n = ids.length;
  const symbol = Int32Array.from(ids);
  const next = new Int32Array(n);
  const prev = new Int32Array(n);
  const alive = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1;
    prev[i] = i - 1;
  }
  // Heap entries: key = rank * n + pos orders by rank, then leftmost; `expect` guards stale entries.
  const keys: number[] = [];
  const expect: number[] = [];
  const push = (key: number, result: number): void => {
    let i = keys.length;
    keys.push(key);
    expect.push(result);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] ?? 0) <= key) break;
      keys[i] = keys[parent] ?? 0;
      expect[i] = expect[parent] ?? 0;
      i = parent;
    }
    keys[i] = key;
    expect[i] = result;
  };
  const pop = (): [number, number] => {
    const top: [number, number] = [keys[0] ?? 0, expect[0] ?? 0];
    const lastKey = keys.pop() ?? 0;
    const lastExpect = expect.pop() ?? 0;
    const size = keys.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= size) break;
        const r = l + 1;
        const child = r < size && (keys[r] ?? 0) < (keys[l] ?? 0) ? r : l;
        if ((keys[child] ?? 0) >= lastKey) break;
        keys[i] = keys[child] ?? 0;
        expect[i] = expect[child] ?? 0;
        i = child;
      }
      keys[i] = lastKey;
      expect[i] = lastExpect;
    }
    return top;
  };
  const consider = (pos: number): void => {
    const right = next[pos] ?? -1;
    if (right < 0) return;
    const slot = findPair(tables, symbol[pos] ?? 0, symbol[right] ?? 0);
    if (slot >= 0) push((pairRank[slot] ?? 0) * n + pos, pairResult[slot] ?? 0);
  };
  for (let i = 0; i + 1 < n; i++) consider(i);
  while (keys.length > 0) {
    const [key, result] = pop();
    const pos = key % n;
    const right = next[pos] ?? -1;
    if (!alive[pos] || right < 0) continue;
    const slot = findPair(tables, symbol[pos] ?? 0, symbol[right] ?? 0);
    if (slot < 0 || pairResult[slot] !== result) continue; // the pair changed since it was queued
    symbol[pos] = result;
    alive[right] = 0;
    const after = next[right] ?? -1;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    const before = prev[pos] ?? -1;
    if (before >= 0) consider(before);
    consider(pos);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i] ?? -1) out.push(symbol[i] ?? 0);
  return out;
}
