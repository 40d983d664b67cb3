// Time to review against a timed model (issue 16): one 78-file pull request of about 1,500 changed
// lines (the shape of requests v2.31.0 → v2.32.0) goes through the whole app — web role, queue,
// worker role — against a fake model that charges what one H100 serving Skywork-SWE-32B with vLLM
// takes: prefill at 3,000 tokens/s, decode at 30 tokens/s per sequence, as many sequences at once
// as LLM_MAX_CONCURRENCY (stated in the figures). The model writes long answers: three findings
// for every file it is shown, each as long as a real one (bench/data/sample-findings.json), cut
// only by the json_schema's maxItems (guided decoding) or by max_tokens.
//
// Figures: time to review (delivery → review posted), the model's own minimum time for the
// requests that were sent (their prefill plus decode, run back to back on the sequences allowed),
// the ratio of the two, and the share of decode time spent on answer tokens that were thrown away
// (the text after a cut answer's last complete finding; whole answers the app could not use).
// Targets: 0% thrown away; time to review ≤ 1.1 × the model's time.
// Run alone with `npx tsx bench/timed-review.ts`; `benchTimedReview()` returns the figures.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { deliverWebhook, pullRequestEvent } from "../testbed/fakes/github/index.js";
import { referenceCount, type RecordedRequest, type Reply } from "../testbed/fakes/model/index.js";
import { eventually, startHarness } from "../testbed/harness.js";
import { printFigures, round, type BenchFigure } from "./figures.js";
import { buildSource, random, type Language } from "./pack.js";

const FILES = 78;
/** Changed lines per file: a 3-line block replaced by 6, and a 4-line block by 6 (78 × 19 = 1,482). */
const SITES = [
  { deleted: 3, added: 6 },
  { deleted: 4, added: 6 },
] as const;
const TIMING = { prefillTokensPerSecond: 3_000, decodeTokensPerSecond: 30 };
/** LLM_MAX_CONCURRENCY, and so the sequences the fake GPU runs at once. */
const MODEL_CONCURRENCY = 1;
const FINDINGS_PER_FILE = 3;

interface SampleFinding {
  severity: string;
  title: string;
  comment: string;
  suggestion?: string;
}

/** Base and head text of every file: functions as people write them, two changed blocks each. */
function pullRequestFiles(): { base: Record<string, string>; head: Record<string, string> } {
  const rand = random(16);
  const base: Record<string, string> = {};
  const head: Record<string, string> = {};
  const languages: Language[] = ["py", "py", "ts"];
  for (let f = 0; f < FILES; f++) {
    const language = languages[f % languages.length] as Language;
    const path = `${f % 3 === 2 ? "web" : "src/requests"}/${["adapters", "sessions", "models", "utils", "auth", "cookies"][f % 6]}_${f}.${language}`;
    const lines = buildSource(language, 8 + Math.floor(rand() * 10), rand);
    const changed = [...lines];
    SITES.forEach((site, s) => {
      const at = Math.floor(((s + 1) * changed.length) / (SITES.length + 1));
      const indent = language === "py" ? "    " : "  ";
      const added = Array.from({ length: site.added }, (_, i) =>
        language === "py" ? `${indent}retry_${s}_${i} = backoff(${i}, attempt)` : `${indent}const retry${s}_${i} = backoff(${i}, attempt);`,
      );
      changed.splice(at, site.deleted, ...added);
    });
    base[path] = `${lines.join("\n")}\n`;
    head[path] = `${changed.join("\n")}\n`;
  }
  return { base, head };
}

/** Files a review request shows (their `## path (…)` headers), in order. */
function filesOf(request: RecordedRequest): string[] {
  const user = (request.body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === "user")?.content ?? "";
  return [...user.matchAll(/^## (\S+) \(/gm)].map((m) => m[1]!);
}

function maxItemsOf(request: RecordedRequest): number {
  const format = request.responseFormat as { json_schema?: { schema?: { properties?: { findings?: { maxItems?: number } } } } } | undefined;
  return format?.json_schema?.schema?.properties?.findings?.maxItems ?? Number.POSITIVE_INFINITY;
}

/** Where each finding's object ends in an answer's text, to tell later what a cut threw away. */
const findingEnds = new Map<RecordedRequest, number[]>();

/** A thorough model: three findings per file shown, as many as guided decoding lets through. */
function longAnswers(samples: readonly SampleFinding[]) {
  let n = 0;
  return (request: RecordedRequest): Reply => {
    const files = filesOf(request);
    const wanted = files.flatMap((path) => Array.from({ length: FINDINGS_PER_FILE }, (_, k) => ({ path, k })));
    const written = wanted.slice(0, maxItemsOf(request));
    let text = `{"summary": "This release tightens redirect handling, reworks body preparation for retries and adapter connection handling; several changes regress security or correctness.", "findings": [`;
    const ends: number[] = [];
    written.forEach(({ path, k }, i) => {
      const sample = samples[n++ % samples.length]!;
      const finding = {
        path,
        line: 2 + k,
        severity: sample.severity,
        title: `${sample.title} (${n})`,
        comment: sample.comment,
        ...(sample.suggestion ? { suggestion: sample.suggestion } : {}),
      };
      text += `${i > 0 ? ", " : ""}${JSON.stringify(finding).replace(/","/g, '", "').replace(/":/g, '": ')}`;
      ends.push(text.length);
    });
    text += "]}";
    findingEnds.set(request, ends);
    return { content: text };
  };
}

/** Decode tokens spent on text the review could not use: after a cut answer's last complete finding. */
function thrownTokens(request: RecordedRequest): number {
  const done = request.completion;
  if (!done || request.status !== 200) return done?.completionTokens ?? 0;
  if (done.finishReason !== "length") return 0;
  const content = done.content ?? "";
  const kept = Math.max(0, ...(findingEnds.get(request) ?? []).filter((end) => end <= content.length));
  return Math.max(0, done.completionTokens - referenceCount(content.slice(0, kept)));
}

/** `speedup` > 1 runs the fake GPU that many times faster: for a quick look only, the figures are made at 1. */
const progress = (line: string): void => void process.stderr.write(`timed review: ${new Date().toISOString().slice(11, 19)} ${line}\n`);

export async function benchTimedReview(speedup = 1): Promise<BenchFigure[]> {
  const samples = JSON.parse(readFileSync(new URL("./data/sample-findings.json", import.meta.url), "utf8")) as SampleFinding[];
  const h = await startHarness({
    env: { LLM_MAX_CONCURRENCY: String(MODEL_CONCURRENCY) },
    model: {
      reply: longAnswers(samples),
      timing: {
        prefillTokensPerSecond: TIMING.prefillTokensPerSecond * speedup,
        decodeTokensPerSecond: TIMING.decodeTokensPerSecond * speedup,
        sequences: MODEL_CONCURRENCY,
      },
    },
  });
  try {
    progress("building the pull request");
    const { base, head } = pullRequestFiles();
    const { id: installationId } = h.github.addInstallation({ account: "psf" });
    const repo = await h.github.createRepo({ owner: "psf", name: "requests", installationId, files: base });
    const headSha = await repo.commit({ branch: "v2.32.0", files: head, message: "v2.32.0" });
    const pull = await repo.createPullRequest({ head: "v2.32.0", title: "Release v2.32.0", body: "Changes since v2.31.0." });
    const payload = await pullRequestEvent(h.github, repo, pull.number, "opened");

    progress("delivering pull_request.opened");
    const started = Date.now();
    const delivered = await deliverWebhook({ url: h.webhookUrl, secret: h.secret, event: "pull_request", payload, fake: h.github });
    if (delivered.status !== 200) throw new Error(`the app answered ${delivered.status} to the delivery`);
    const [review] = await eventually(() => h.github.reviews(repo, pull.number).length > 0 && h.github.reviews(repo, pull.number), "the review", 30 * 60_000);
    const reviewMs = Date.now() - started;
    progress("review posted");
    const check = await eventually(() => {
      const run = h.github.checkRuns(repo, headSha).find((r) => r.name === "Skywork review");
      return run?.status === "completed" && run;
    }, "the completed check run");

    const requests = h.model.requests;
    const charged = requests.map((r) => r.chargedMs ?? 0);
    // The model's own minimum: every request's GPU time, the sequences allowed working side by side.
    const modelMs = Math.max(Math.max(0, ...charged), charged.reduce((a, b) => a + b, 0) / MODEL_CONCURRENCY);
    const decoded = requests.reduce((n, r) => n + (r.completion?.completionTokens ?? 0), 0);
    const thrown = requests.reduce((n, r) => n + thrownTokens(r), 0);
    const coverage = /\*\*Coverage:\*\* ([^\n]*)/.exec(review?.body ?? "")?.[1] ?? "(none)";
    const changed = Object.keys(head).length;
    return [
      { name: "timed review: pull request", value: changed, unit: `files, ${FILES * SITES.reduce((n, s) => n + s.added + s.deleted, 0)} changed lines` },
      {
        name: "timed review: fake GPU prefill / decode per sequence",
        value: TIMING.prefillTokensPerSecond * speedup,
        unit: `tokens/s / ${TIMING.decodeTokensPerSecond * speedup} tokens/s`,
      },
      { name: "timed review: LLM_MAX_CONCURRENCY (sequences at once)", value: MODEL_CONCURRENCY, unit: "" },
      {
        name: "timed review: model requests (first round and re-asks)",
        value: requests.length,
        unit: `requests, ${requests.filter((r) => r.completion?.finishReason === "length").length} cut at max_tokens`,
      },
      { name: "timed review: prompt / answer tokens", value: requests.reduce((n, r) => n + r.promptTokens, 0), unit: `/ ${decoded}` },
      { name: "timed review: time to review (delivery to review posted)", value: round(reviewMs / 1000, 1), unit: "s" },
      { name: "timed review: the model's own minimum time for those requests", value: round(modelMs / 1000, 1), unit: "s" },
      { name: "timed review: time to review / model's time (target ≤ 1.1)", value: round(reviewMs / modelMs, 3), unit: "x" },
      {
        name: "timed review: decode time on answer tokens thrown away (target 0%)",
        value: round((100 * thrown) / Math.max(1, decoded), 2),
        unit: `% (${thrown} of ${decoded} tokens)`,
      },
      { name: `timed review: coverage stated (check run title: ${check.output?.title ?? "none"})`, value: 0, unit: coverage },
    ];
  } finally {
    await h.close();
    progress("closed");
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  printFigures(await benchTimedReview(Number(process.argv[2] ?? 1)));
  // Probot keeps a Redis connection of its own for the life of the process (redisConfig).
  process.exit(0);
}
