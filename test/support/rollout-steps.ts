import { REQUEST_ACTIONS } from "../../src/slack/blocks/request-blocks.js";
import type { CreateLabHostOptions, LabHost } from "../lab/lab.js";
import { ALICE, BOB, type BotHarness, requestIdOf } from "./bot-harness.js";
import type { FakeMessage } from "./fake-slack/fake-slack-types.js";

/** The steps the rollout e2e tests share: their hosts, a rollout from Slack to its end. */

/** `prefix-1` … `prefix-count`. */
export const names = (prefix: string, count = 5) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
export const labHosts = (prefix: string, count = 5): CreateLabHostOptions[] =>
  names(prefix, count).map((name) => ({ name, release: "2.23.1", publish: ["2.24.1"] }));

/** Asks for `/kcm upgrade <group>` as Alice, has Bob approve it, and waits for the rollout's end. */
export async function rollOut(
  h: BotHarness,
  group: string,
  onRoot?: (root: FakeMessage) => Promise<void>,
) {
  await h.command(ALICE, `upgrade ${group}`);
  const root = await h.requestRoot(group);
  await h.click(BOB, REQUEST_ACTIONS.approve, root, `approve-${group}`);
  await onRoot?.(root);
  await h.workers.until(
    () => h.thread(root).some((m) => m.text.includes(`Rollout of \`${group}\` over`)),
    240_000,
    "the rollout's end",
  );
  // The root's last edit (paced: one every 3 s) carries the same end line.
  await h.workers.until(
    () => JSON.stringify(h.current(root).blocks).includes(`Rollout of \`${group}\` over`),
    15_000,
    "the root's last edit",
  );
  const summary = h.thread(root).find((m) => m.text.includes("Rollout of")) as FakeMessage;
  return { root, id: requestIdOf(root), summary: summary.text };
}

/** The kcm-guacd version installed on a lab host. */
export const versionOf = async (host: LabHost) => (await host.installed()).get("kcm-guacd");
