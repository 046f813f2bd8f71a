import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { parse } from "yaml";

it("docker-compose's Redis keeps every job: AOF on, noeviction, data on a volume", async () => {
  const compose = parse(
    await readFile(new URL("../../docker-compose.yml", import.meta.url), "utf8"),
  );
  const redis = compose.services.redis;
  const command: string[] = redis.command;
  expect(command[command.indexOf("--appendonly") + 1]).toBe("yes");
  expect(command[command.indexOf("--maxmemory-policy") + 1]).toBe("noeviction");
  expect(redis.volumes).toContainEqual(expect.stringMatching(/:\/data$/));
});
