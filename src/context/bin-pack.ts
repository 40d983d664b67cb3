// Bin packing of files into requests, on exact token counts.
//
// A file is a header plus pieces (hunks); any subset of its pieces can be shown under one header,
// so a bin pays a file's header once however many of its pieces it holds. Files are kept whole
// where that costs no request: first-fit decreasing on whole files, then a bin is emptied into the
// free space of the others by splitting files at hunk boundaries whenever that saves a request.

export interface PackFile {
  headerTokens: number;
  pieceTokens: readonly number[];
}

export interface Bin {
  tokens: number;
  /** File index → piece indices, ascending. */
  files: Map<number, number[]>;
}

export function emptyBin(): Bin {
  return { tokens: 0, files: new Map() };
}

function addPieces(bin: Bin, file: number, pieces: readonly number[], files: readonly PackFile[]): void {
  const spec = files[file] as PackFile;
  let held = bin.files.get(file);
  if (!held) {
    held = [];
    bin.files.set(file, held);
    bin.tokens += spec.headerTokens;
  }
  for (const piece of pieces) {
    held.push(piece);
    bin.tokens += spec.pieceTokens[piece] as number;
  }
  held.sort((a, b) => a - b);
}

function costIn(bin: Bin, file: number, pieces: readonly number[], files: readonly PackFile[]): number {
  const spec = files[file] as PackFile;
  let cost = bin.files.has(file) ? 0 : spec.headerTokens;
  for (const piece of pieces) cost += spec.pieceTokens[piece] as number;
  return cost;
}

/** The longest prefix of `pieces` whose tokens fit in `room`. */
function fittingPrefix(pieces: readonly number[], spec: PackFile, room: number): number {
  let used = 0;
  let n = 0;
  while (n < pieces.length) {
    const next = spec.pieceTokens[pieces[n] as number] as number;
    if (used + next > room) break;
    used += next;
    n++;
  }
  return n;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Every piece of every file, in as few bins of `capacity` as this finds. Each piece plus its
 * file's header must fit one bin.
 */
export function packAll(files: readonly PackFile[], capacity: number): Bin[] {
  interface Item {
    file: number;
    pieces: number[];
    tokens: number;
  }
  const items: Item[] = [];
  files.forEach((spec, file) => {
    const all = range(spec.pieceTokens.length);
    const total = spec.headerTokens + spec.pieceTokens.reduce((a, b) => a + b, 0);
    if (total <= capacity) {
      items.push({ file, pieces: all, tokens: total });
      return;
    }
    // Bigger than a request: cut at hunk boundaries into parts that each fill a request.
    let rest = all;
    while (rest.length > 0) {
      const n = Math.max(1, fittingPrefix(rest, spec, capacity - spec.headerTokens));
      const pieces = rest.slice(0, n);
      items.push({ file, pieces, tokens: spec.headerTokens + pieces.reduce((a, p) => a + (spec.pieceTokens[p] as number), 0) });
      rest = rest.slice(n);
    }
  });
  items.sort((a, b) => b.tokens - a.tokens || a.file - b.file || (a.pieces[0] ?? 0) - (b.pieces[0] ?? 0));

  let bins: Bin[] = [];
  for (const item of items) {
    let target = bins.find((bin) => bin.tokens + costIn(bin, item.file, item.pieces, files) <= capacity);
    if (!target) {
      target = emptyBin();
      bins.push(target);
    }
    addPieces(target, item.file, item.pieces, files);
  }

  for (;;) {
    const fewer = withoutOneBin(bins, files, capacity);
    if (!fewer) break;
    bins = fewer;
  }
  return bins;
}

/** The bins with the lightest one emptied into the others' free space, or null when it does not fit. */
function withoutOneBin(bins: readonly Bin[], files: readonly PackFile[], capacity: number): Bin[] | null {
  if (bins.length < 2) return null;
  let victim = 0;
  bins.forEach((bin, i) => {
    if (bin.tokens < (bins[victim] as Bin).tokens) victim = i;
  });
  const others = bins.filter((_, i) => i !== victim).map(cloneBin);
  const victimBin = bins[victim] as Bin;
  const free = others.reduce((n, bin) => n + capacity - bin.tokens, 0);
  let content = 0;
  for (const [file, pieces] of victimBin.files) content += costIn(emptyBin(), file, pieces, files) - (files[file] as PackFile).headerTokens;
  if (content > free) return null;

  const entries = [...victimBin.files].map(([file, pieces]) => ({ file, pieces, tokens: costIn(emptyBin(), file, pieces, files) }));
  entries.sort((a, b) => b.tokens - a.tokens || a.file - b.file);
  for (const { file, pieces } of entries) {
    const whole = others.find((bin) => bin.tokens + costIn(bin, file, pieces, files) <= capacity);
    if (whole) {
      addPieces(whole, file, pieces, files);
      continue;
    }
    const spec = files[file] as PackFile;
    let rest = pieces;
    const byRoom = [...others].sort((a, b) => a.tokens - b.tokens);
    for (const bin of byRoom) {
      if (rest.length === 0) break;
      const room = capacity - bin.tokens - (bin.files.has(file) ? 0 : spec.headerTokens);
      const n = fittingPrefix(rest, spec, room);
      if (n === 0) continue;
      addPieces(bin, file, rest.slice(0, n), files);
      rest = rest.slice(n);
    }
    if (rest.length > 0) return null;
  }
  return others;
}

function cloneBin(bin: Bin): Bin {
  return { tokens: bin.tokens, files: new Map([...bin.files].map(([file, pieces]) => [file, [...pieces]])) };
}

export interface InOrderResult {
  bins: Bin[];
  /** File index → pieces that did not fit in `maxBins` bins. */
  left: Map<number, number[]>;
}

/**
 * Cuts piece `piece` of file `file` in two so that the first part fits `room` tokens, replacing it
 * in `files[file].pieceTokens` (and in whatever the caller renders); false when it cannot.
 */
export type PieceSplitter = (file: number, piece: number, room: number) => boolean;

/** Below this, a nearly full request is closed rather than given the start of a hunk. */
const MIN_ROOM_TO_SPLIT = 128;

/**
 * Fills at most `maxBins` bins in the given file order, splitting a file at hunk boundaries where a
 * bin runs full (and, with `split`, a hunk at a line boundary): the most content under a request
 * cap, in priority order.
 */
export function packInOrder(files: readonly PackFile[], order: readonly number[], capacity: number, maxBins: number, split?: PieceSplitter): InOrderResult {
  const bins: Bin[] = [];
  const left = new Map<number, number[]>();
  let current = emptyBin();
  let full = maxBins <= 0;
  for (const file of order) {
    let next = 0;
    while (!full && next < (files[file] as PackFile).pieceTokens.length) {
      const spec = files[file] as PackFile;
      const room = capacity - current.tokens - (current.files.has(file) ? 0 : spec.headerTokens);
      const rest = range(spec.pieceTokens.length).slice(next);
      const n = fittingPrefix(rest, spec, room);
      if (n > 0) {
        addPieces(current, file, rest.slice(0, n), files);
        next += n;
        continue;
      }
      if (split && room >= MIN_ROOM_TO_SPLIT && split(file, next, room)) continue;
      if (current.files.size === 0) throw new Error("A piece is larger than a whole request; this is a bug in the context packer.");
      bins.push(current);
      current = emptyBin();
      if (bins.length >= maxBins) full = true;
    }
    const count = (files[file] as PackFile).pieceTokens.length;
    if (next < count) left.set(file, range(count).slice(next));
  }
  if (current.files.size > 0 && bins.length < maxBins) bins.push(current);
  return { bins, left };
}
