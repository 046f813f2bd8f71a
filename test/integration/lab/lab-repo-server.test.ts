import { readFile, stat } from "node:fs/promises";
import { type IncomingHttpHeaders, request } from "node:http";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  createLabHost,
  type LabHost,
  type LabRepoServer,
  RELEASE_PAYLOADS,
  startLabRepoServer,
} from "../../lab/lab.js";
import { labPaths } from "../../lab/lab-paths.js";
import { describeLab } from "../../support/describe-lab.js";

const MiB = 1024 * 1024;
const RATE = 4 * MiB;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One request to the server, with `requestPath` sent exactly as written. */
function fetchRaw(
  server: LabRepoServer,
  requestPath: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: requestPath,
        method: options.method ?? "GET",
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end();
  });
}

describeLab("the lab's repositories over rate-limited HTTP", () => {
  let server: LabRepoServer;
  let host: LabHost;

  beforeAll(async () => {
    server = await startLabRepoServer({ bytesPerSecond: RATE });
    host = await createLabHost({ release: "2.24.1" });
  });
  afterAll(async () => {
    await host?.destroy();
    await server?.stop();
  });

  it("builds 2.25.0's big packages from incompressible bytes, and keeps 2.24.1's tiny", async () => {
    const rpm = (release: string) =>
      path.join(labPaths.repos, release, `kcm-guacamole-${release}-1.el8.noarch.rpm`);
    expect((await stat(rpm("2.25.0"))).size).toBeGreaterThan(3.5 * MiB);
    expect((await stat(rpm("2.24.1"))).size).toBeLessThan(64 * 1024);
  });

  it("lists 2.25.0's packages from a repository published over HTTP", async () => {
    await host.publish("2.25.0", { baseUrl: server.url });
    const repoFile = await readFile(
      path.join(host.root, "etc/yum.repos.d/kcm-2.25.0.repo"),
      "utf8",
    );
    expect(repoFile).toContain(`baseurl=${server.url}/2.25.0\n`);
    expect(host.record.repoBaseUrls).toEqual({ "2.25.0": server.url });

    const result = await host.ssh(host.helper("list-updates"));
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    const listed = lines.slice(lines.indexOf("Available Upgrades") + 1).filter(Boolean);
    expect(listed).toHaveLength(9);
    expect(listed).toContainEqual(
      expect.stringMatching(/^kcm-guacd\.x86_64\s+2\.25\.0-1\.el8\s+kcm-2\.25\.0$/),
    );
    expect(server.requests()).toBeGreaterThan(0);
  });

  it("repo-unreachable breaks an HTTP repository, and switching it off restores it", async () => {
    await host.fault("repo-unreachable");
    const broken = await host.ssh(host.helper("list-updates"));
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain("Curl error (7)");
    expect(broken.stderr).toContain("Cannot download repomd.xml");

    await host.fault("repo-unreachable", false);
    const requestsBefore = server.requests();
    const fixed = await host.ssh(host.helper("list-updates"));
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toContain("Available Upgrades");
    // Fetched again from the server: the fault expired dnf's metadata cache.
    expect(server.requests()).toBeGreaterThan(requestsBefore);
  });

  it("upgrades over HTTP no faster than the server's rate allows", async () => {
    const payloadBytes = Object.values(RELEASE_PAYLOADS["2.25.0"] ?? {}).reduce((a, b) => a + b, 0);
    expect(payloadBytes).toBe(8 * MiB);
    const servedBefore = server.bytesServed();
    const started = performance.now();
    const upgrade = await host.ssh(host.helperUpgrade("2.25.0"));
    const seconds = (performance.now() - started) / 1000;

    expect(upgrade.code).toBe(0);
    expect(upgrade.stdout).toContain("Complete!");
    const installed = await host.installed();
    expect(installed.get("kcm-guacamole")).toBe("2.25.0-1.el8");
    expect(installed.get("kcm-guacd")).toBe("2.25.0-1.el8");
    expect(installed.get("kcm-guacamole-auth-ldap")).toBe("1:2.25.0-1.el8");
    expect(server.bytesServed() - servedBefore).toBeGreaterThanOrEqual(payloadBytes);
    // 8 MiB through a 4 MiB/s link takes 2 s at least; no upper bound is asserted.
    expect(seconds).toBeGreaterThanOrEqual(1.5);
  });

  it("answers GET and HEAD with the file's length, and single byte ranges", async () => {
    const repomd = path.join(labPaths.repos, "2.25.0", "repodata", "repomd.xml");
    const content = await readFile(repomd);
    const get = await fetchRaw(server, "/2.25.0/repodata/repomd.xml");
    expect(get.status).toBe(200);
    expect(get.headers["content-length"]).toBe(String(content.length));
    expect(get.body.equals(content)).toBe(true);

    const head = await fetchRaw(server, "/2.25.0/repodata/repomd.xml", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers["content-length"]).toBe(String(content.length));
    expect(head.body).toHaveLength(0);

    // dnf resumes a package download that an earlier run left half done.
    const ranged = await fetchRaw(server, "/2.25.0/repodata/repomd.xml", {
      headers: { Range: "bytes=100-" },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers["content-range"]).toBe(
      `bytes 100-${content.length - 1}/${content.length}`,
    );
    expect(ranged.body.equals(content.subarray(100))).toBe(true);

    expect((await fetchRaw(server, "/2.25.0/no-such.rpm")).status).toBe(404);
    expect((await fetchRaw(server, "/2.25.0/", { method: "HEAD" })).status).toBe(404);
    expect((await fetchRaw(server, "/2.25.0/repodata/repomd.xml", { method: "PUT" })).status).toBe(
      405,
    );
  });

  it("shares its rate between concurrent downloads", async () => {
    const files = ["kcm-guacd-2.25.0-1.el8.x86_64.rpm", "kcm-libguac-2.25.0-1.el8.x86_64.rpm"];
    const contents = await Promise.all(
      files.map((f) => readFile(path.join(labPaths.repos, "2.25.0", f))),
    );
    const total = contents.reduce((sum, c) => sum + c.length, 0);
    const started = performance.now();
    const answers = await Promise.all(files.map((f) => fetchRaw(server, `/2.25.0/${f}`)));
    const seconds = (performance.now() - started) / 1000;
    answers.forEach((answer, i) => {
      expect(answer.body.equals(contents[i] ?? Buffer.alloc(0))).toBe(true);
    });
    // Each alone could not go faster than RATE, and together they share it.
    expect(seconds).toBeGreaterThanOrEqual((0.9 * total) / RATE);
  });

  it("refuses paths that climb out of the repositories", async () => {
    // build.stamp sits in the lab folder, one level above the repositories.
    for (const climb of [
      "/../build.stamp",
      "/2.25.0/../../build.stamp",
      "/%2e%2e/build.stamp",
      "/2.25.0/..%2f..%2fbuild.stamp",
      "/..%5cbuild.stamp",
    ]) {
      const answer = await fetchRaw(server, climb);
      expect({ climb, status: answer.status }).toEqual({ climb, status: 403 });
    }
  });
});
