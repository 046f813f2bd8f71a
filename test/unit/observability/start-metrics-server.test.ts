import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { checkHealth, type HealthReport } from "../../../src/observability/check-health.js";
import { startMetricsServer } from "../../../src/observability/start-metrics-server.js";

function registryWithOneCounter(): Registry {
  const registry = new Registry();
  new Counter({ name: "kcm_test_total", help: "a test counter", registers: [registry] }).inc(7);
  return registry;
}

describe("startMetricsServer", () => {
  it("serves /metrics in Prometheus's format and /healthz as 200 or 503 by its status", async () => {
    let report: HealthReport = { status: "ok", redis: "ok" };
    const server = await startMetricsServer({
      registry: registryWithOneCounter(),
      port: 0,
      health: async () => report,
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const metrics = await fetch(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get("content-type")).toContain("text/plain; version=0.0.4");
      expect(await metrics.text()).toContain("kcm_test_total 7");

      const ok = await fetch(`${server.url}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: "ok", redis: "ok" });
      report = { status: "failing", redis: "connect ECONNREFUSED 127.0.0.1:6379" };
      const failing = await fetch(`${server.url}/healthz`);
      expect(failing.status).toBe(503);
      expect(await failing.json()).toEqual(report);

      expect((await fetch(`${server.url}/`)).status).toBe(404);
      expect((await fetch(`${server.url}/metrics`, { method: "POST" })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it("answers 503 when the health check itself fails", async () => {
    const server = await startMetricsServer({
      registry: new Registry(),
      port: 0,
      health: () => Promise.reject(new Error("boom")),
    });
    try {
      const response = await fetch(`${server.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: "failing", error: "Error: boom" });
    } finally {
      await server.close();
    }
  });

  it("says which port it could not have", async () => {
    const first = await startMetricsServer({ registry: new Registry(), port: 0, health: ok });
    const port = Number(new URL(first.url).port);
    try {
      await expect(
        startMetricsServer({ registry: new Registry(), port, health: ok }),
      ).rejects.toThrow(`cannot serve metrics on 127.0.0.1:${port}: EADDRINUSE`);
    } finally {
      await first.close();
    }
  });
});

const ok = async (): Promise<HealthReport> => ({ status: "ok", redis: "ok" });

describe("checkHealth", () => {
  const worker = (name: string, running: boolean, paused = false) => ({
    name,
    isRunning: () => running,
    isPaused: () => paused,
  });

  it("is ok when Redis answers PING and every worker runs", async () => {
    expect(
      await checkHealth({
        redis: { ping: async () => "PONG" },
        workers: [worker("kcm-upgrades", true), worker("kcm-tasks", true)],
      }),
    ).toEqual({
      status: "ok",
      redis: "ok",
      workers: { "kcm-upgrades": "running", "kcm-tasks": "running" },
    });
    expect(await checkHealth({ redis: { ping: async () => "PONG" } })).toEqual({
      status: "ok",
      redis: "ok",
    });
  });

  it("fails when a worker has stopped or is paused", async () => {
    const report = await checkHealth({
      redis: { ping: async () => "PONG" },
      workers: [worker("kcm-upgrades", false), worker("kcm-tasks", true, true)],
    });
    expect(report).toEqual({
      status: "failing",
      redis: "ok",
      workers: { "kcm-upgrades": "stopped", "kcm-tasks": "stopped" },
    });
  });

  it("fails with Redis's error, or when PING gets no answer in time", async () => {
    const refused = await checkHealth({
      redis: { ping: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")) },
    });
    expect(refused).toEqual({ status: "failing", redis: "connect ECONNREFUSED 127.0.0.1:6379" });
    const silent = await checkHealth({
      redis: { ping: () => new Promise(() => {}) },
      timeoutMs: 30,
    });
    expect(silent).toEqual({ status: "failing", redis: "no answer to PING in 30 ms" });
  });
});
