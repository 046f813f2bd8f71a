import { describe, expect, it } from "vitest";
import { describeOutcome } from "../../../src/chat/describe-outcome.js";
import type { JobOutcome, RunbookEvent } from "../../../src/chat/runbook-event.js";
import { applyAction, type UpgradeRequest } from "../../../src/domain/upgrade-request.js";
import type {
  MessageContent,
  PostRequest,
  QueuedIntent,
  SlackPoster,
  UploadRequest,
} from "../../../src/slack/poster/index.js";
import { slackReporter } from "../../../src/slack/slack-reporter.js";
import { MemoryRequests, MemoryRolloutRuns } from "../../support/in-memory-ports.js";
import {
  afterT0,
  BOB,
  CHANNEL,
  GUACD_CHANGE,
  SAMPLE_REQUEST_ID as ID,
  SAMPLE_INVENTORY,
  SAMPLE_POLICY,
  sampleRequest,
} from "../../support/sample-fleet.js";

const ROOT = `request:${ID}`;

/** Alice's upgrade of web1, approved by Bob: as the store holds it when its job runs. */
function approvedRequest(): UpgradeRequest {
  const approved = applyAction(
    sampleRequest(),
    { kind: "approve", by: BOB, at: afterT0(5) },
    SAMPLE_POLICY,
  );
  if (!approved.ok) throw new Error(approved.reason);
  return approved.request;
}

/** The poster's methods the reporter uses, recording each call; the delivery side does nothing. */
class RecordingPoster implements SlackPoster {
  readonly posts: PostRequest[] = [];
  readonly updates: { key: string; content: MessageContent }[] = [];
  readonly uploads: UploadRequest[] = [];
  /** Set to make the next call throw, as the poster does when Redis is away. */
  failNext: Error | undefined;

  private fail() {
    const error = this.failNext;
    this.failNext = undefined;
    if (error) throw error;
  }

  async post(request: PostRequest): Promise<QueuedIntent> {
    this.fail();
    this.posts.push(request);
    return { id: `intent-${this.posts.length}`, duplicate: false };
  }

  async update(key: string, content: MessageContent): Promise<void> {
    this.fail();
    this.updates.push({ key, content });
  }

  async upload(request: UploadRequest): Promise<QueuedIntent> {
    this.fail();
    this.uploads.push(request);
    return { id: `upload-${this.uploads.length}`, duplicate: false };
  }

  async tsOf(): Promise<string | undefined> {
    return undefined;
  }

  start(): void {}

  async stop(): Promise<void> {}

  async idle(): Promise<void> {}
}

/** The reporter over a store it may only read, with `request` in it (null: an empty store). */
async function reporterWith(request: UpgradeRequest | null = approvedRequest()) {
  const requests = new MemoryRequests();
  if (request) await requests.create(request);
  const reads: string[] = [];
  const poster = new RecordingPoster();
  const logged: string[] = [];
  const reporter = slackReporter({
    poster,
    store: {
      get: (id) => {
        reads.push(id);
        return requests.get(id);
      },
    },
    runs: new MemoryRolloutRuns(),
    inventory: SAMPLE_INVENTORY,
    log: (line) => logged.push(line),
  });
  const report = async (...events: RunbookEvent[]) => {
    for (const event of events) reporter.report(event);
    await reporter.flush();
  };
  return { report, poster, requests, reads, logged, request };
}

/** Every text in a message's blocks (sections, fields, context lines), in order. */
function blockTexts(content: MessageContent | undefined): string[] {
  const texts: string[] = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === "object" && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === "text" && typeof inner === "string") texts.push(inner);
        else walk(inner);
      }
    }
  };
  walk(content?.blocks);
  return texts;
}

const ref = { requestId: ID, host: "web1" };
const started: RunbookEvent = { ...ref, type: "job-started", kind: "upgrade", resumed: false };
const stepStarted = (step: "preflight" | "upgrade"): RunbookEvent => ({
  ...ref,
  type: "step-started",
  step,
});
const stepFinished = (
  step: "preflight" | "upgrade",
  changes: Partial<Extract<RunbookEvent, { type: "step-finished" }>> = {},
): RunbookEvent => ({
  ...ref,
  type: "step-finished",
  step,
  ok: true,
  exitCode: 0,
  durationMs: 1234,
  excerpt: "kcm-guacd.x86_64 2.24.1-1.el8 kcm",
  ...changes,
});

describe("slackReporter", () => {
  it("job-started: the root shows the request as stored with `starting…`, the thread says so; the request is not changed", async () => {
    const { report, poster, requests, reads, logged, request } = await reporterWith();

    await report(started);

    expect(poster.updates.map((u) => [u.key, u.content.text])).toEqual([
      [ROOT, `Upgrade on web1 (${ID}): Approved, scheduled`],
    ]);
    expect(blockTexts(poster.updates[0]?.content)).toContain("starting…");
    expect(poster.posts).toEqual([
      { channel: CHANNEL, thread: { key: ROOT }, content: { text: "Starting." } },
    ]);
    // Recording the start is the processor's; the reporter only reads.
    expect(requests.byId.get(ID)).toBe(request);
    expect(requests.byId.get(ID)?.state).toBe("approved");
    expect(reads.every((id) => id === ID)).toBe(true);
    expect(logged).toEqual([]);
  });

  it("a resumed job says it reads the journal and the host", async () => {
    const { report, poster } = await reporterWith();

    await report({ ...started, resumed: true });

    expect(poster.posts.map((p) => p.content.text)).toEqual([
      "Resuming after a worker was lost: reading the journal and the host's state.",
    ]);
  });

  it("steps: the root's progress line follows them; each finished step is a reply with its exit code", async () => {
    const { report, poster } = await reporterWith();

    await report(
      stepStarted("preflight"),
      stepFinished("preflight"),
      stepStarted("upgrade"),
      stepFinished("upgrade", {
        ok: false,
        exitCode: 1,
        durationMs: 3400,
        excerpt: "Error: GPG check FAILED",
        detail: "the packages are not signed",
      }),
    );

    expect(poster.updates.map((u) => u.key)).toEqual([ROOT, ROOT, ROOT, ROOT]);
    const progress = poster.updates.map(
      (u) => blockTexts(u.content).filter((t) => t.startsWith("preflight"))[0],
    );
    expect(progress).toEqual([
      "preflight …",
      "preflight ✓",
      "preflight ✓ · upgrade …",
      "preflight ✓ · upgrade ✗",
    ]);
    expect(poster.posts).toEqual([
      {
        channel: CHANNEL,
        thread: { key: ROOT },
        content: {
          text: ":white_check_mark: *preflight* (exit 0, 1.2 s)\n```kcm-guacd.x86_64 2.24.1-1.el8 kcm```",
        },
      },
      {
        channel: CHANNEL,
        thread: { key: ROOT },
        content: {
          text: ":x: *upgrade* (exit 1, 3.4 s): the packages are not signed\n```Error: GPG check FAILED```",
        },
      },
    ]);
    expect(poster.uploads).toEqual([]);
  });

  it("a step's long output goes to the thread as a file; twelve lines stay inline", async () => {
    const { report, poster } = await reporterWith();
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i + 1}`).join("\n");

    await report(
      stepFinished("preflight", { output: lines(12) }),
      stepFinished("upgrade", { output: lines(13) }),
    );

    expect(poster.uploads).toHaveLength(1);
    expect(poster.uploads[0]).toMatchObject({
      channel: CHANNEL,
      thread: { key: ROOT },
      title: "upgrade output (13 lines)",
      content: lines(13),
    });
    expect(poster.uploads[0]?.filename).toMatch(new RegExp(`^${ID}-upgrade-\\d+\\.txt$`));
  });

  it("the SSH connection lost and back: said in the thread, and on the root while it lasts", async () => {
    const { report, poster } = await reporterWith();

    await report(
      stepStarted("upgrade"),
      {
        ...ref,
        type: "connection-lost",
        step: "upgrade",
        reason: "connection reset",
        retryUntil: "2026-11-27T02:15:00.000Z",
      },
      { ...ref, type: "connection-restored", lostMs: 42_000, attempts: 3 },
    );

    expect(poster.posts.map((p) => p.content.text)).toEqual([
      ":warning: Lost SSH to the host during the upgrade (upgrade: connection reset); retrying until 2026-11-27 02:15 UTC. The services may be down meanwhile.",
      "SSH is back after 42 s: reading the host's state (versions, units, yum history) to go on.",
    ]);
    expect(blockTexts(poster.updates.at(-1)?.content)).toContain("upgrade … · SSH lost, retrying");
  });

  it("job-finished: the summary once (under a key), and the root with its result, as the store has it", async () => {
    const request = approvedRequest();
    const { report, poster, requests } = await reporterWith(request);
    // What the processor recorded before it reported the outcome.
    await requests.apply(
      ID,
      { kind: "job-started", at: new Date("2026-11-27T01:00:00Z") },
      SAMPLE_POLICY,
    );
    await requests.apply(
      ID,
      { kind: "job-finished", at: new Date("2026-11-27T01:02:00Z"), ok: true },
      SAMPLE_POLICY,
    );
    const recorded = requests.byId.get(ID);
    const outcome: JobOutcome = {
      kind: "upgraded",
      changes: [GUACD_CHANGE],
      transactionId: 17,
      downtimeMs: 2100,
      totalMs: 64_000,
      services: [
        { unit: "guacamole", state: "active" },
        { unit: "guacd", state: "active" },
      ],
      stillPending: [],
    };

    await report({ ...ref, type: "job-finished", outcome });

    const summary = describeOutcome(outcome);
    expect(poster.posts).toEqual([
      { channel: CHANNEL, thread: { key: ROOT }, key: `${ID}:outcome`, content: { text: summary } },
    ]);
    expect(poster.updates.map((u) => [u.key, u.content.text])).toEqual([
      [ROOT, `Upgrade on web1 (${ID}): Done`],
    ]);
    expect(blockTexts(poster.updates[0]?.content)).toContain(
      "Upgraded 1 package; downtime 2.1 s, total 64.0 s (yum transaction 17).",
    );
    expect(requests.byId.get(ID)).toBe(recorded);
  });

  it("a request the store does not have: nothing is said", async () => {
    const { report, poster, logged } = await reporterWith(null);

    await report(started, stepStarted("preflight"), stepFinished("preflight"));

    expect(poster.posts).toEqual([]);
    expect(poster.updates).toEqual([]);
    expect(poster.uploads).toEqual([]);
    expect(logged).toEqual([]);
  });

  it("a poster that fails: logged, never thrown at the runbook; the next events still go out", async () => {
    const { report, poster, logged } = await reporterWith();
    poster.failNext = new Error("Connection is closed.");

    await report(started, stepFinished("preflight"));

    expect(logged).toEqual(["slack reporter: Connection is closed."]);
    expect(poster.posts.map((p) => p.content.text)).toEqual([
      ":white_check_mark: *preflight* (exit 0, 1.2 s)\n```kcm-guacd.x86_64 2.24.1-1.el8 kcm```",
    ]);
  });
});
