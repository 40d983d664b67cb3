// Conversations in the threads of the bot's findings, end to end: the pull request's author or a
// writer gets one answer from the model in the thread (with the finding, the code at the head and
// the thread as context, neutralised), however often GitHub delivers the reply; readers, bots and
// threads that are not the bot's get nothing; a writer's "false positive" is learned.
import { afterEach, describe, expect, it } from "vitest";
import { parseThreadAnswerMarker } from "../../src/github/markers.js";
import { CONVERSATION_SYSTEM_PROMPT } from "../../src/review/conversation.js";
import { deliverWebhook, pullRequestReviewCommentEvent } from "../../testbed/fakes/github/index.js";
import type { RecordedRequest, Reply } from "../../testbed/fakes/model/index.js";
import { startHarness, eventually, type Harness } from "../helpers/harness.js";
import { answer, finding, jobOutcome, replyInThread, reviews, storedLearnings, systemPrompt, userPrompt, withQueue } from "../helpers/listening.js";
import { deliverPullRequest, MEAN_CHANGE, openPullRequest, type PullScenario } from "../helpers/scenario.js";

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

const isConversation = (request: RecordedRequest) => systemPrompt(request) === CONVERSATION_SYSTEM_PROMPT;

/** A model that reviews with one finding on line 6 and answers replies with `answers` in turn. */
function scriptedModel(h: Harness, answers: Reply[]): void {
  h.model.setReply((request) =>
    isConversation(request)
      ? (answers.shift() ?? { content: '{"answer":"Noted.","intent":"other"}' })
      : answer([finding("src/math.ts", 6, "Zero hides bad input")]),
  );
}

function conversations(h: Harness): RecordedRequest[] {
  return h.model.requests.filter(isConversation);
}

/** The bot's answers in the thread that `root` starts. */
function answersIn(h: Harness, pr: PullScenario, root: number) {
  return h.github.reviewComments(pr.repo, pr.number).filter((c) => c.in_reply_to_id === root && c.user?.login === h.github.botLogin);
}

async function reviewedPullRequest(h: Harness): Promise<{ pr: PullScenario; root: number }> {
  const pr = await openPullRequest(h.github, MEAN_CHANGE, { user: "alice" });
  pr.repo.setPermission("maria", "write");
  pr.repo.setPermission("rita", "read");
  await deliverPullRequest(h, pr, "opened");
  await reviews(h, pr, 1);
  const [root] = h.github.reviewComments(pr.repo, pr.number);
  return { pr, root: root!.id };
}

describe("a reply in the thread of a finding", () => {
  it("from the author gets exactly one answer, in the thread, with the finding, the code and the thread as context, neutralised", async () => {
    const h = (harness = await startHarness());
    scriptedModel(h, [
      {
        content: JSON.stringify({
          answer: "An empty list should be an error, not 0. cc @everyone, see [this](https://evil.example) <img src=x>",
          intent: "change",
        }),
      },
    ]);
    const { pr, root } = await reviewedPullRequest(h);

    const { comment: reply, deliveryId } = await replyInThread(h, pr, "alice", root, "Why is returning 0 a problem? Could you fix it for me?");
    const [answered] = await eventually(() => answersIn(h, pr, root).length === 1 && answersIn(h, pr, root), "the bot's answer");
    expect(answered!.body).toContain("An empty list should be an error, not 0.");
    // Neutralised like every post: no live mention, link or HTML.
    expect(answered!.body).not.toMatch(/(^|[^\w`\u200b])@everyone/);
    expect(answered!.body).not.toMatch(/\]\(https:\/\/evil/);
    expect(answered!.body).not.toContain("<img");
    // The author has no write access: someone who has can ask for the fix.
    expect(answered!.body).toContain("Someone with write access can reply `/skywork fix` in this thread");
    expect(parseThreadAnswerMarker(answered!.body)).toMatchObject({ reply: reply.id, dismissed: false, by: "alice" });

    // What the model was shown: the finding, the code at the head around it, the reply.
    const [asked] = conversations(h);
    const prompt = userPrompt(asked!);
    expect(prompt).toContain("Zero hides bad input");
    expect(prompt).toMatch(/>\s+6 \|\s+if \(values\.length === 0\) return 0;/);
    expect(prompt).toContain("@alice (pull request author):\nWhy is returning 0 a problem?");
    expect(prompt).not.toContain("<!-- skywork:");

    // GitHub delivers it again (same delivery, then a new one after the job left Redis): still one answer.
    await deliverWebhook({
      url: h.webhookUrl,
      secret: h.secret,
      event: "pull_request_review_comment",
      payload: await pullRequestReviewCommentEvent(h.github, pr.repo, reply.id),
      deliveryId,
      fake: h.github,
    });
    const jobId = `feedback-${pr.repo.id}-reply-${reply.id}`;
    expect(await jobOutcome(h, "feedback", jobId)).toMatchObject({ status: "answered" });
    await withQueue(h, "feedback", async (queue) => (await queue.getJob(jobId))!.remove());
    await deliverWebhook({
      url: h.webhookUrl,
      secret: h.secret,
      event: "pull_request_review_comment",
      payload: await pullRequestReviewCommentEvent(h.github, pr.repo, reply.id),
      fake: h.github,
    });
    expect(await jobOutcome(h, "feedback", jobId)).toMatchObject({ status: "already-answered" });
    expect(answersIn(h, pr, root)).toHaveLength(1);
    expect(conversations(h)).toHaveLength(1);
  });

  it("from a reader, from a bot, or in a thread that is not the bot's gets nothing", async () => {
    const h = (harness = await startHarness());
    scriptedModel(h, []);
    const { pr, root } = await reviewedPullRequest(h);

    const reader = await replyInThread(h, pr, "rita", root, "This is fine, not an issue.");
    expect(await jobOutcome(h, "feedback", `feedback-${pr.repo.id}-reply-${reader.comment.id}`)).toMatchObject({ status: "ignored" });

    // A bot's reply is not even queued.
    const bot = await pr.repo.createReviewComment(pr.number, { user: "dependabot[bot]", body: "Bumps lodash.", inReplyTo: root });
    const botDelivery = await deliverWebhook({
      url: h.webhookUrl,
      secret: h.secret,
      event: "pull_request_review_comment",
      payload: await pullRequestReviewCommentEvent(h.github, pr.repo, bot.id),
      fake: h.github,
    });
    expect(botDelivery.status).toBe(200);

    // A person's own thread, answered by the author.
    const own = await pr.repo.createReviewComment(pr.number, { user: "maria", body: "Rename `total`?", path: "src/math.ts", line: 7 });
    const inOwn = await replyInThread(h, pr, "alice", own.id, "Sure, will do.");
    expect(await jobOutcome(h, "feedback", `feedback-${pr.repo.id}-reply-${inOwn.comment.id}`)).toMatchObject({
      status: "ignored",
      reason: "not a thread of the bot",
    });

    expect(await withQueue(h, "feedback", (queue) => queue.getJob(`feedback-${pr.repo.id}-reply-${bot.id}`))).toBeUndefined();
    expect(conversations(h)).toHaveLength(0);
    expect(h.github.reviewComments(pr.repo, pr.number).filter((c) => c.user?.login === h.github.botLogin)).toHaveLength(1);
    // The reader's "not an issue" dismisses nothing and teaches nothing.
    expect(storedLearnings(pr.repo)).toBeNull();
  });

  it("from a writer saying it is a false positive is answered, respected and learned", async () => {
    const h = (harness = await startHarness());
    scriptedModel(h, [{ content: JSON.stringify({ answer: "You are right: `values` is validated by the caller.", intent: "dismiss" }) }]);
    const { pr, root } = await reviewedPullRequest(h);

    const { comment: reply } = await replyInThread(h, pr, "maria", root, "The caller validates this upstream; we want 0 here.");
    const [answered] = await eventually(() => answersIn(h, pr, root).length === 1 && answersIn(h, pr, root), "the bot's answer");
    expect(answered!.body).toContain("You are right");
    expect(answered!.body).toContain(
      "Noted: I will not raise this again on this pull request. Later reviews of `src/**` will know it too (learning L1; `/skywork forget L1` undoes it).",
    );
    expect(parseThreadAnswerMarker(answered!.body)).toMatchObject({ reply: reply.id, dismissed: true, by: "maria", writer: true });
    expect(storedLearnings(pr.repo)!.learnings).toEqual([
      expect.objectContaining({ id: "L1", avoid: "Zero hides bad input", why: "The caller validates this upstream; we want 0 here." }),
    ]);
  });
});
