import type { AllMiddlewareArgs, AnyMiddlewareArgs } from "@slack/bolt";

/** What a person sees when the bot's Redis is away. */
export const STORE_DOWN_TEXT =
  "kcm-chatops cannot reach its Redis right now; nothing was changed. Try again in a minute.";

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;

/**
 * A global middleware: while the bot's Redis is away (the watch says so, or
 * a listener's Redis call failed for it), a command or a click is answered
 * privately, within Slack's 3 seconds, that nothing was changed. The
 * listeners' Redis connection fails fast, so nothing they started waits to
 * happen later.
 */
export function guardStore(store: { up: () => boolean; unreachable: (error: unknown) => boolean }) {
  return async (args: Args): Promise<void> => {
    if (!("ack" in args) || !("respond" in args)) {
      await args.next();
      return;
    }
    const privately = () =>
      args.respond({ response_type: "ephemeral", replace_original: false, text: STORE_DOWN_TEXT });
    const tell = async () => {
      if ("command" in args) {
        // A command's listener acks with its answer: it has not acked yet, unless it failed after.
        const acked = await args.ack({ response_type: "ephemeral", text: STORE_DOWN_TEXT }).then(
          () => true,
          () => false,
        );
        if (!acked) await privately();
        return;
      }
      // A click's listener acks first.
      await (args.ack as () => Promise<void>)().catch(() => undefined);
      await privately();
    };
    if (!store.up()) {
      await tell();
      return;
    }
    try {
      await args.next();
    } catch (error) {
      if (!store.unreachable(error)) throw error;
      await tell();
    }
  };
}
