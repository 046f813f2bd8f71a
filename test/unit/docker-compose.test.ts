import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const read = (file: string) => readFile(new URL(`../../${file}`, import.meta.url), "utf8");

describe("docker-compose.yml", () => {
  it("runs Redis so that it keeps every job: AOF on, noeviction, data on a volume", async () => {
    const redis = parse(await read("docker-compose.yml")).services.redis;
    const command: string[] = redis.command;
    expect(command[command.indexOf("--appendonly") + 1]).toBe("yes");
    expect(command[command.indexOf("--maxmemory-policy") + 1]).toBe("noeviction");
    expect(redis.volumes).toContainEqual(expect.stringMatching(/:\/data$/));
  });

  it("runs the bot and a scalable worker from one image, with config mounted read-only", async () => {
    const { services } = parse(await read("docker-compose.yml"));
    expect(services.bot.command).toEqual(["node", "dist/src/bot.js"]);
    expect(services.worker.command).toEqual(["node", "dist/workers/upgrade-worker.js"]);
    expect(services.worker.image).toBe(services.bot.image);
    // `docker compose up --scale worker=N` needs no fixed name.
    expect(services.worker.container_name).toBeUndefined();
    for (const service of [services.bot, services.worker]) {
      expect(service.volumes).toContainEqual(expect.stringMatching(/:\/etc\/kcm-chatops:ro$/));
      expect(service.environment.REDIS_URL).toBe("redis://redis:6379");
      expect(service.depends_on.redis.condition).toBe("service_healthy");
    }
  });
});

it(".env.example lists every variable the bot reads", async () => {
  const source = await read("src/config/read-env.ts");
  const names = [...new Set(source.match(/\b(?:KCM_[A-Z_]+|SLACK_[A-Z_]+|REDIS_[A-Z_]+)\b/g))];
  expect(names.length).toBeGreaterThan(10);
  const example = await read(".env.example");
  const missing = names.filter((name) => !example.includes(name));
  expect(missing).toEqual([]);
});
