import type { webApi } from "@slack/bolt";

/**
 * The slice of @slack/web-api's WebClient the poster calls. Give it a client
 * made by `createPosterClient` (429s rejected, no retries of its own), so
 * the poster alone decides when to call again.
 */
export interface PosterClient {
  chat: Pick<webApi.WebClient["chat"], "postMessage" | "update">;
  conversations: Pick<webApi.WebClient["conversations"], "history" | "replies">;
  files: Pick<webApi.WebClient["files"], "uploadV2">;
}
