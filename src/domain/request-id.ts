/** A request id: also a job id, a Redis key part and a file name on hosts. */
export const REQUEST_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
