import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import { resolveTarget } from "../../../config/resolve-target.js";
import { KCM_USAGE, parseKcmCommand } from "../../../domain/parse-kcm-command.js";
import { cancelRequest } from "../../../requests/decide-request.js";
import { hostsText, statusText } from "../../blocks/fleet-text.js";
import type { BotDeps } from "../../bot-deps.js";

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

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
    if (deps.slack.requesters && !deps.slack.requesters.includes(command.user_id)) {
      await say(
        "You are not on kcm-chatops's list of requesters; ask an administrator to add you.",
      );
      return;
    }
    const parsed = parseKcmCommand(command.text);
    if (!parsed.ok) {
      await say(`${parsed.error}\n${parsed.usage}`);
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
      case "status":
        await say(
          statusText(await deps.requests.recent(cmd.host ? { host: cmd.host } : {}), cmd.host),
        );
        return;
      case "cancel":
        await say(await cancelRequest(deps, cmd.requestId, command.user_id, deps.now()));
        return;
      case "check": {
        const target = resolveTarget(deps.inventory, cmd.target);
        if (target.kind !== "hosts") {
          await say(
            `${target.kind === "unknown" ? `No host or group \`${cmd.target}\`.${target.suggestions.length ? ` Did you mean ${target.suggestions.map((s) => `\`${s}\``).join(", ")}?` : ""}` : target.reason}\n${KCM_USAGE}`,
          );
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
          await say(
            `${target.kind === "unknown" ? `No host or group \`${name}\`.${target.suggestions.length ? ` Did you mean ${target.suggestions.map((s) => `\`${s}\``).join(", ")}?` : ""}` : target.reason}\n${KCM_USAGE}`,
          );
          return;
        }
        for (const host of target.hosts) {
          await deps.tasks.plan({
            requestKind: cmd.name,
            host: host.name,
            when: cmd.when,
            triggerId: command.trigger_id,
            ...base,
          });
        }
        const hosts = target.hosts.map((h) => `\`${h.name}\``).join(", ");
        await say(
          `Making a fresh plan for ${hosts}: the ${cmd.name} request${target.hosts.length === 1 ? "" : "s"} will appear in this channel for approval.`,
        );
        return;
      }
    }
  };
}
