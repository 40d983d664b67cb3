// A large synthetic `git diff` whose every line number is known in advance.

export interface SyntheticDiff {
  text: string;
  files: number;
  changedLines: number;
}

/**
 * `files` modified files; each has hunks of 3 context lines, `del` deleted and `add` added lines,
 * then 3 context lines. Changed lines are spread so that the total is exactly `changedLines`.
 */
export function syntheticDiff(files: number, changedLines: number): SyntheticDiff {
  const out: string[] = [];
  const perFile = Math.floor(changedLines / files);
  let extra = changedLines - perFile * files;
  for (let f = 0; f < files; f++) {
    const path = `src/module${f % 50}/file${f}.ts`;
    out.push(
      `diff --git a/${path} b/${path}`,
      `index ${(f + 1).toString(16).padStart(7, "0")}..${(f + 2).toString(16).padStart(7, "0")} 100644`,
      `--- a/${path}`,
      `+++ b/${path}`,
    );
    let changed = perFile + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    let oldStart = 1;
    let shift = 0;
    let h = 0;
    while (changed > 0) {
      const size = Math.min(changed, 12);
      const del = Math.floor(size / 3);
      const add = size - del;
      changed -= size;
      const newStart = oldStart + shift;
      out.push(`@@ -${oldStart},${6 + del} +${newStart},${6 + add} @@ function f${h}() {`);
      for (let i = 0; i < 3; i++) out.push(` context ${oldStart + i}`);
      for (let i = 0; i < del; i++) out.push(`-  removed ${f}.${h}.${i}`);
      for (let i = 0; i < add; i++) out.push(`+  added ${f}.${h}.${i} = "${"x".repeat(i * 3)}";`);
      for (let i = 0; i < 3; i++) out.push(` context ${oldStart + 3 + del + i}`);
      shift += add - del;
      oldStart += 6 + del + 40;
      h++;
    }
  }
  return { text: `${out.join("\n")}\n`, files, changedLines };
}
