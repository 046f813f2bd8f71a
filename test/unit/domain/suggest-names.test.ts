import { describe, expect, it } from "vitest";
import { suggestNames } from "../../../src/domain/suggest-names.js";

describe("suggestNames", () => {
  const hosts = ["web1", "web2", "web10", "legacy", "db-primary", "db-replica"];

  it("suggests names one edit away, nearest first, then by name", () => {
    expect(suggestNames("web3", hosts)).toEqual(["web1", "web2", "web10"]);
    expect(suggestNames("web1", ["web2", "web1x", "wxb1"])).toEqual(["web1x", "web2", "wxb1"]);
  });

  it("counts a swap of neighbouring letters as one edit", () => {
    expect(suggestNames("lgeacy", hosts)).toEqual(["legacy"]);
    expect(suggestNames("wbe1", ["web1"])).toEqual(["web1"]);
  });

  it("allows more edits for longer names, and none beyond the budget", () => {
    expect(suggestNames("db-primry", hosts)).toEqual(["db-primary"]);
    expect(suggestNames("db", hosts)).toEqual([]);
    expect(suggestNames("xyz", hosts)).toEqual([]);
  });

  it("ignores case and honours the limit", () => {
    expect(suggestNames("HOSTKEY", ["hostKey", "port"])).toEqual(["hostKey"]);
    expect(suggestNames("web", hosts, 1)).toEqual(["web1"]);
  });

  it("lists a candidate once", () => {
    expect(suggestNames("web", ["web1", "web1"])).toEqual(["web1"]);
  });
});
