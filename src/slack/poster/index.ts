/** The Slack poster: what other layers use to say things in Slack. */
export { createPosterClient } from "./create-poster-client.js";
export { createSlackPoster, type SlackPosterOptions } from "./create-slack-poster.js";
export type { PosterClient } from "./poster-client.js";
export { PosterError, type PosterErrorCode } from "./poster-error.js";
export { DEFAULT_POSTER_SETTINGS, type PosterSettings } from "./poster-settings.js";
export type {
  MessageContent,
  PosterClock,
  PosterLogEntry,
  PostRequest,
  QueuedIntent,
  SlackPoster,
  ThreadRef,
  UploadRequest,
} from "./slack-poster.js";
