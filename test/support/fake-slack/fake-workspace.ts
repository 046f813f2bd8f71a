import type {
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeResponse,
  FakeSlackOptions,
  FakeUser,
} from "./fake-slack-types.js";

/** The bot the fake token belongs to. */
export const FAKE_BOT = {
  userId: "U0KCMBOT",
  botId: "B0KCMBOT",
  appId: "A0KCMBOT",
  name: "kcm-chatops",
  teamId: "T0KCM",
  team: "KCM Fake Workspace",
} as const;

/** A file between files.getUploadURLExternal and files.completeUploadExternal. */
export interface PendingFile {
  id: string;
  filename: string;
  length: number;
  bytes?: Buffer;
}

/**
 * The state of the fake workspace: channels, users, the messages of every
 * channel (edits applied), ephemeral messages, files and response_url posts.
 * Method handlers change it; the test reads it.
 */
export class FakeWorkspace {
  readonly token: string;
  readonly channels = new Map<string, FakeChannel>();
  readonly users = new Map<string, FakeUser>();
  readonly usergroups = new Map<string, string[]>();
  readonly ephemerals: FakeEphemeral[] = [];
  readonly pendingFiles = new Map<string, PendingFile>();
  readonly files = new Map<string, FakeFile>();
  readonly responses = new Map<string, FakeResponse[]>();
  /** Each user's Home tab as last published (views.publish). */
  readonly views = new Map<string, { type?: unknown; blocks?: unknown }>();
  private readonly byChannel = new Map<string, FakeMessage[]>();
  private lastMicros = 0;
  private fileSeq = 0;

  constructor(options: FakeSlackOptions) {
    this.token = options.token ?? "xoxb-fake-token";
    for (const channel of options.channels ?? [{ id: "C0KCMOPS01", name: "kcm-ops" }]) {
      this.channels.set(channel.id, channel);
    }
    const people = options.users ?? [
      { id: "U0ALICE", name: "alice", realName: "Alice Approver", tz: "Europe/Berlin" },
      { id: "U0BOB", name: "bob", realName: "Bob Oncall", tz: "America/New_York" },
    ];
    for (const user of people) this.users.set(user.id, user);
    for (const [id, members] of Object.entries(options.usergroups ?? {})) {
      this.usergroups.set(id, [...members]);
    }
  }

  /** Finds a channel by id, or by name with or without `#`, as Slack accepts both. */
  channel(idOrName: unknown): FakeChannel | undefined {
    if (typeof idOrName !== "string") return undefined;
    const byId = this.channels.get(idOrName);
    if (byId !== undefined) return byId;
    const name = idOrName.replace(/^#/, "");
    return [...this.channels.values()].find((c) => c.name === name);
  }

  /**
   * A new message ts: seconds.microseconds from the clock, strictly
   * increasing across the workspace (so unique in every channel).
   */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastMicros + 1);
    this.lastMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  /** A new Slack-looking id with the given first letter (`F` for files). */
  nextId(letter: string): string {
    this.fileSeq += 1;
    return `${letter}0${String(this.fileSeq).padStart(9, "0")}`;
  }

  /** Every message of a channel, replies included, oldest first (live objects). */
  stored(channel: string): FakeMessage[] {
    let list = this.byChannel.get(channel);
    if (list === undefined) {
      list = [];
      this.byChannel.set(channel, list);
    }
    return list;
  }

  /** Adds a message (ts order is kept because ts only grows). */
  add(message: FakeMessage): void {
    this.stored(message.channel).push(message);
  }

  find(channel: string, ts: unknown): FakeMessage | undefined {
    return this.byChannel.get(channel)?.find((m) => m.ts === ts);
  }

  /** Top-level messages of a channel (what the channel view shows), oldest first, as copies. */
  topLevel(channel: string): FakeMessage[] {
    return (this.byChannel.get(channel) ?? [])
      .filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts)
      .map(copyMessage);
  }

  /** A thread: its root, then its replies, oldest first, as copies. */
  thread(channel: string, rootTs: string): FakeMessage[] {
    return (this.byChannel.get(channel) ?? [])
      .filter((m) => m.ts === rootTs || m.thread_ts === rootTs)
      .map(copyMessage);
  }

  recordResponse(id: string, body: unknown): void {
    const list = this.responses.get(id) ?? [];
    list.push({ at: Date.now(), body });
    this.responses.set(id, list);
  }
}

/** A deep copy, so a test's view cannot change the workspace (or later edits change the view). */
export function copyMessage(message: FakeMessage): FakeMessage {
  return structuredClone(message);
}
