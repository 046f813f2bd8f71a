import { z } from "zod";
import { REQUEST_ID } from "./request-id.js";
import { packageChangeSchema } from "./upgrade-plan.js";

/** The last upgrade the bot made on a host: what a rollback undoes. */
export const lastUpgradeSchema = z.object({
  requestId: z.string().regex(REQUEST_ID),
  transactionId: z.number().int().min(1),
  changes: z.array(packageChangeSchema).min(1).max(200),
});

export type LastUpgrade = z.infer<typeof lastUpgradeSchema>;
