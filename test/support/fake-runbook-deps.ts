import type { RunbookEvent } from "../../src/chat/runbook-event.js";
import type { AuditEvent } from "../../src/domain/audit-event.js";
import { LockLostError } from "../../src/runbook/runbook-failure.js";
import type { JournalEntry, RunbookDeps } from "../../src/runbook/runbook-ports.js";
import { FAKE_COMMANDS, type FakeHost } from "./fake-host.js";

/** The ports a runbook test inspects afterwards, with the deps to pass. */
export interface FakeRunbook {
  deps: RunbookDeps;
  /** The journal's entries: pass them to the next run to play a redelivery. */
  journal: JournalEntry[];
  audit: AuditEvent[];
  events: RunbookEvent[];
  /** Every sleep the runbook asked for, in ms; each one moves the clock on. */
  sleeps: number[];
  clock: { now: number };
}

/** How a test sets up the fake runbook's ports: a journal to resume from, the clock's start, the host lock. */
export interface FakeRunbookOptions {
  journal?: readonly JournalEntry[];
  now?: string;
  holdsLock?: () => boolean;
  refuseAppend?: (entry: JournalEntry) => boolean;
}

/**
 * In-memory journal, audit and reporter, a clock that moves only when the
 * runbook sleeps or a command runs, and the fake host's `connect`. `refuseAppend` plays a
 * stale worker: the journal throws LockLostError (as RedisJournal does)
 * from the first entry it matches on.
 */
export function fakeRunbookDeps(host: FakeHost, options: FakeRunbookOptions = {}): FakeRunbook {
  const clock = { now: Date.parse(options.now ?? "2026-11-26T19:30:00.000Z") };
  const journal = [...(options.journal ?? [])];
  const audit: AuditEvent[] = [];
  const events: RunbookEvent[] = [];
  const sleeps: number[] = [];
  let refusing = false;
  const deps: RunbookDeps = {
    // Each command takes its durationMs of the clock's time.
    connect: async () => {
      const shell = await host.connect();
      return {
        exec: async (command, execOptions) => {
          const result = await shell.exec(command, execOptions);
          clock.now += result.durationMs;
          return result;
        },
        close: () => shell.close(),
      };
    },
    commands: FAKE_COMMANDS,
    journal: {
      load: async () => [...journal],
      append: async (entry) => {
        refusing ||= options.refuseAppend?.(entry) ?? false;
        if (refusing) throw new LockLostError("kcm-1: another worker holds the host now; stopping");
        journal.push(entry);
      },
    },
    reporter: { report: (event) => events.push(event) },
    audit: { append: async (event) => void audit.push(event) },
    now: () => clock.now,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    timeouts: {
      commandMs: 120_000,
      transactionMs: 1_800_000,
      pollMs: 2000,
      lockWaitMs: 10_000,
      reconnectMarginMs: 1_800_000,
      reconnectMaxDelayMs: 5000,
    },
    holdsLock: options.holdsLock ?? (() => true),
  };
  return { deps, journal, audit, events, sleeps, clock };
}
