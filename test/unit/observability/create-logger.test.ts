import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readEnv } from "../../../src/config/read-env.js";
import { createLogger, type LoggerOptions } from "../../../src/observability/create-logger.js";
import { secretsOf } from "../../../src/observability/secrets-of.js";

/** A logger writing into memory; `lines()` parses what it wrote. */
function capture(options: Partial<LoggerOptions> = {}) {
  let text = "";
  const destination = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  const logger = createLogger({ name: "test", ...options, destination });
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

// Made up, in the forms the real ones take.
const BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx";
const APP_TOKEN = "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef";
const USER_TOKEN = "xoxp-1234567890-0987654321-1122334455-ffeeddccbbaa";
const SIGNING_SECRET = "8f742231b10e8888abcd99000fff85a5";
const PRIVATE_KEY = [
  "-----BEGIN OPENSSH PRIVATE KEY-----",
  "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
  "QyNTUxOQAAACBGa2V5LW1hdGVyaWFsLW5vdC1hLXJlYWwta2V5LWF0LWFsbAAAAJgAAAAA",
  "-----END OPENSSH PRIVATE KEY-----",
].join("\n");
const KEY_BODY = "QyNTUxOQAAACBGa2V5LW1hdGVyaWFsLW5vdC1hLXJlYWwta2V5LWF0LWFsbAAAAJgAAAAA";

describe("createLogger", () => {
  it("writes one JSON object per line: level as a word, ISO time, name, the sentence in msg", () => {
    const out = capture();
    out.logger.info({ job: "req-1" }, "job req-1 completed");
    const [line] = out.lines();
    expect(line).toMatchObject({ level: "info", name: "test", job: "req-1" });
    expect(line?.["msg"]).toBe("job req-1 completed");
    expect(line?.["time"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it("writes nothing below its level", () => {
    const out = capture({ level: "warn" });
    out.logger.info("quiet");
    out.logger.warn("loud");
    expect(out.lines().map((l) => l["msg"])).toEqual(["loud"]);
  });

  it("redacts Slack tokens, the signing secret and private keys wherever they are in a line", () => {
    const out = capture({ secrets: [SIGNING_SECRET] });
    out.logger.info(`connecting with ${BOT_TOKEN} and ${APP_TOKEN}`);
    out.logger.warn({ note: `user token ${USER_TOKEN}` }, "a field");
    out.logger.info({ nested: { deeper: [`signed with ${SIGNING_SECRET}`] } }, "an array");
    out.logger.error({ excerpt: `key file:\n${PRIVATE_KEY}\nend` }, "a key in output");
    out.logger.info("format args: %s %o", BOT_TOKEN, { secretish: PRIVATE_KEY });
    out.logger.child({ token: "child-binding-value", via: APP_TOKEN }).info("a child's bindings");
    const text = out.text();
    for (const secret of [BOT_TOKEN, APP_TOKEN, USER_TOKEN, SIGNING_SECRET, KEY_BODY]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain("AbCdEfGh");
    expect(text).not.toContain("child-binding-value");
    expect(text).toContain("[redacted private key]");
    expect(text).toContain("xox-[redacted]");
    expect(text).toContain("xapp-[redacted]");
    // Every line is still JSON, and says what it said around the secret.
    const lines = out.lines();
    expect(lines).toHaveLength(6);
    expect(lines[3]?.["excerpt"]).toBe("key file:\n[redacted private key]\nend");
  });

  it("redacts a private key cut short (no END line), to the end of the string", () => {
    const out = capture();
    const cut = PRIVATE_KEY.split("\n").slice(0, 3).join("\n");
    out.logger.info({ excerpt: cut, after: "kept" }, "the last lines of a command's output");
    const [line] = out.lines();
    expect(line?.["excerpt"]).toBe("[redacted private key]");
    expect(line?.["after"]).toBe("kept");
    expect(out.text()).not.toContain("b3BlbnNzaC1rZXkt");
  });

  it("redacts the values of keys named like secrets, at any depth", () => {
    const out = capture();
    out.logger.info(
      {
        password: "hunter2",
        request: {
          headers: { Authorization: "Basic b3BzOmh1bnRlcjI=", "X-Api-Key": "k-123456" },
          body: { client_secret: "cs-abcdef", refreshToken: "rt-ghijkl", kept: "visible" },
        },
        list: [{ signingSecret: "abcdef0123456789" }],
      },
      "request failed",
    );
    const text = out.text();
    for (const secret of ["hunter2", "b3BzOmh1bnRlcjI", "k-123456", "cs-abcdef", "rt-ghijkl"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain("abcdef0123456789");
    const [line] = out.lines();
    expect(line).toMatchObject({
      password: "[redacted]",
      request: { headers: { Authorization: "[redacted]" }, body: { kept: "visible" } },
      list: [{ signingSecret: "[redacted]" }],
    });
  });

  it("redacts the password in Redis URLs, keeping the rest", () => {
    const out = capture();
    out.logger.info("connecting to redis://:s3cr3t-pw@redis.internal:6379/0");
    out.logger.info({ url: "rediss://kcm:An0ther%40pw@10.0.0.5:6380" }, "with a user");
    const text = out.text();
    expect(text).not.toContain("s3cr3t-pw");
    expect(text).not.toContain("An0ther");
    const [first, second] = out.lines();
    expect(first?.["msg"]).toBe("connecting to redis://:[redacted]@redis.internal:6379/0");
    expect(second?.["url"]).toBe("rediss://kcm:[redacted]@10.0.0.5:6380");
  });

  it("redacts secrets in an error's message and stack, and in fields of its own", () => {
    const out = capture();
    const error = Object.assign(new Error(`auth failed for ${BOT_TOKEN}`), {
      code: "slack_webapi_platform_error",
      token: "custom-field-secret",
    });
    out.logger.error({ err: error }, "a call failed");
    out.logger.error(new Error(`redis://:pw-in-message@host:6379 refused`));
    const text = out.text();
    expect(text).not.toContain(BOT_TOKEN);
    expect(text).not.toContain("custom-field-secret");
    expect(text).not.toContain("pw-in-message");
    const [first, second] = out.lines();
    expect(first?.["err"]).toMatchObject({
      type: "Error",
      message: "auth failed for xox-[redacted]",
      code: "slack_webapi_platform_error",
      token: "[redacted]",
    });
    expect(first?.["err"]).toHaveProperty(
      "stack",
      expect.stringContaining("Error: auth failed for xox-[redacted]\n    at "),
    );
    expect(second?.["msg"]).toBe("redis://:[redacted]@host:6379 refused");
  });

  it("redacts every secret of the environment, even in forms no pattern knows", () => {
    const env = readEnv({
      REDIS_URL: "redis://:p%40ss-w0rd-redis@127.0.0.1:6379",
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      KCM_DASHBOARD_PASSWORD: "dashboard-pass-42",
    });
    const out = capture({ secrets: secretsOf(env) });
    out.logger.info({ env }, "the whole environment, by mistake");
    out.logger.info(`decoded: p@ss-w0rd-redis; dashboard: dashboard-pass-42; ${SIGNING_SECRET}`);
    const text = out.text();
    for (const secret of ["p%40ss-w0rd-redis", "p@ss-w0rd-redis", "dashboard-pass-42"]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(SIGNING_SECRET);
    expect(text).not.toContain(BOT_TOKEN);
    expect(out.lines()).toHaveLength(2);
  });

  it("leaves ordinary text alone", () => {
    const out = capture({ secrets: [SIGNING_SECRET] });
    const sentence =
      "[r-1 web-1] ✓ upgrade (exit 0, 12.3 s) kcm-guacd 2.23.1-1.el8 → 2.24.1-1.el8; key web-1:root";
    out.logger.info({ key: "r-1:root", hostKey: "SHA256:abc" }, sentence);
    expect(out.lines()[0]).toMatchObject({ msg: sentence, key: "r-1:root", hostKey: "SHA256:abc" });
  });
});
