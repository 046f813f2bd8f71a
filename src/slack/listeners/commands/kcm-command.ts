import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { resolveTarget, type TargetResolution } from "../../../config/resolve-target.js";
import { KCM_USAGE, parseKcmCommand } from "../../../domain/parse-kcm-command.js";
import { cancelRequest } from "../../../requests/decide-request.js";
import { hostsText, statusText } from "../../blocks/fleet-text.js";
import { escapeMrkdwn } from "../../blocks/mrkdwn.js";
import type { BotDeps } from "../../bot-deps.js";
import { mayRequest, NOT_A_REQUESTER } from "../../requester-policy.js";

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** Why a target selects no host, with the nearest names and the usage. */
function targetProblem(target: Exclude<TargetResolution, { kind: "hosts" }>): string {
  const suggestions = target.kind === "unknown" ? target.suggestions : [];
  const hint = suggestions.length
    ? ` Did you mean ${suggestions.map((s) => `\`${s}\``).join(", ")}?`
    : "";
  const why =
    target.kind === "unknown"
      ? `No host or group \`${escapeMrkdwn(target.target)}\`.${hint}`
      : escapeMrkdwn(target.reason);
  return `${why}\n${KCM_USAGE}`;
}

/**
 * `/kcm ...`: answered (privately) within Slack's 3 seconds; anything slow
 * (SSH) becomes a task for the workers. Bad input gets the usage and changes
 * nothing; commands from other channels are refused.
 */
export function kcmCommand(deps: BotDeps) {
  return async ({ command, ack }: Args): Promise<void> => {
    const say = (text: string) => ack({ response_type: "ephemeral", text });
    if (!deps.slack.channels.includes(command.channel_id)) {
      await say(
        `kcm-chatops takes commands only in ${deps.slack.channels.map((c) => `<#${c}>`).join(", ")}.`,
      );
      return;
    }
    if (!mayRequest(deps.slack, command.user_id)) {
      await say(NOT_A_REQUESTER);
      return;
    }
    const parsed = parseKcmCommand(command.text);
    if (!parsed.ok) {
      // The error quotes what was typed: escaped, it shows as typed.
      await say(`${escapeMrkdwn(parsed.error)}\n${parsed.usage}`);
      return;
    }
    const cmd = parsed.command;
    const base = {
      requestedBy: command.user_id,
      channel: command.channel_id,
      responseUrl: command.response_url,
    };
    switch (cmd.name) {
      case "help":
        await say(KCM_USAGE);
        return;
      case "hosts":
        await say(hostsText(deps.inventory));
        return;
      case "status": {
        const requests = await deps.requests.recent(cmd.host ? { host: cmd.host } : {});
        const rollouts = requests.filter((r) => r.rollout);
        const runs = new Map(
          await Promise.all(rollouts.map(async (r) => [r.id, await deps.runs.all(r.id)] as const)),
        );
        await say(statusText(requests, cmd.host, runs));
        return;
      }
      case "cancel":
        await say(await cancelRequest(deps, cmd.requestId, command.user_id, deps.now()));
        return;
      case "check": {
        const target = resolveTarget(deps.inventory, cmd.target);
        if (target.kind !== "hosts") {
          await say(targetProblem(target));
          return;
        }
        await deps.tasks.check({ target: cmd.target, triggerId: command.trigger_id, ...base });
        await say(
          `Checking ${target.hosts.length} host${target.hosts.length === 1 ? "" : "s"} (\`${cmd.target}\`); the summary will appear in this channel.`,
        );
        return;
      }
      case "upgrade":
      case "rollback": {
        const name = cmd.name === "upgrade" ? cmd.target : cmd.host;
        const target = resolveTarget(deps.inventory, name);
        if (target.kind !== "hosts") {
          await say(targetProblem(target));
          return;
        }
        if (cmd.name === "upgrade" && target.of !== "host") {
          // A group, `all` or a list: one rollout request, planned by a worker.
          await deps.tasks.plan({
            requestKind: "upgrade",
            host: target.label,
            when: cmd.when,
            triggerId: command.trigger_id,
            ...base,
          });
          const names = target.hosts.map((h) => `\`${h.name}\``).join(", ");
          await say(
            `Making a fresh plan for ${target.hosts.length} host${target.hosts.length === 1 ? "" : "s"} of \`${target.label}\` (${names}): one rollout request will appear in this channel for approval, with the hosts that cannot be planned and why.`,
          );
          return;
        }
        const host = target.hosts[0];
        if (!host || target.of !== "host") {
          await say(`A rollback names one host, not \`${escapeMrkdwn(name)}\`.\n${KCM_USAGE}`);
          return;
        }
        await deps.tasks.plan({
          requestKind: cmd.name,
          host: host.name,
          when: cmd.when,
          triggerId: command.trigger_id,
          ...base,
        });
        await say(
          `Making a fresh plan for \`${host.name}\`: the ${cmd.name} request will appear in this channel for approval.`,
        );
        return;
      }
    }
  };
}
