// `npm run docs`: regenerate the README sections derived from code (configuration tables).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GENERATED_FILES, updateGeneratedSections } from "../src/config/docs.js";

const path = new URL("../README.md", import.meta.url);
const before = readFileSync(path, "utf8");
const after = updateGeneratedSections(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? "README.md is up to date." : "README.md updated.");

for (const file of GENERATED_FILES) {
  const target = fileURLToPath(new URL(`../${file.path}`, import.meta.url));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, file.render());
  console.log(`${file.path} written.`);
}
