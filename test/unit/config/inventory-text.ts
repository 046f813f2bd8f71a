import { ConfigError, type ConfigIssue } from "../../../src/config/config-error.js";
import { parseInventory } from "../../../src/config/parse-inventory.js";

/** Real-looking pinned keys (32 random bytes each, as `ssh-keygen -l` prints them). */
export const KEYS = {
  a: "SHA256:nLF/WwxaonO/+Fxv8K4yuWHDnLFkkbazJMT3YbBiI2E",
  b: "SHA256:B4Y2mrdTBEI2euQk6CojveBY7aBeNyyNMhh1sMtGyRg",
  c: "SHA256:hJH8vhlQ2OAwF7hi2M25jxXwfRAwQ8XN6b18OFIimvs",
  d: "SHA256:ddEuzqitpSpUKBJMi1ES+Evh1AQdfU8Z2YZJum1UwoE",
} as const;

/** A valid inventory: two hosts on defaults, one that overrides them, two groups, two windows. */
export const VALID_INVENTORY = `
defaults:
  user: kcm
  privateKey: /keys/id_ed25519
  window: nightly
windows:
  nightly:
    timeZone: Europe/Berlin
    days: [mon, tue, wed, thu, fri]
    start: 02:00
    durationMinutes: 60
  weekend:
    timeZone: America/New_York
    days: [sat]
    start: "22:30"
    durationMinutes: 240
hosts:
  - name: web1
    address: 10.0.0.1
    hostKey: ${KEYS.a}
  - name: web2
    address: web2.example.internal
    hostKey: ${KEYS.b}
    health: { webUrl: "https://web2.example.internal/", guacdPort: 4822 }
    helperPath: /opt/kcm-chatops/kcm-host
  - name: legacy
    address: "fd00::10"
    port: 2222
    user: root
    privateKey: /keys/legacy
    hostKey: ${KEYS.c}
    layout: tomcat
    window: weekend
    privilege: direct-sudo
groups:
  web: [web1, web2]
  eu.dmz:
    hosts: [legacy, web2]
    window: weekend
`;

/** The issues parseInventory reports for a text; fails the test if there are none. */
export function issuesOf(text: string): ConfigIssue[] {
  try {
    parseInventory(text, "test.yml");
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error("the inventory parsed without issues");
}

/** `path: message` per issue, which reads well in a failed assertion. */
export function describeIssues(text: string): string[] {
  return issuesOf(text).map((issue) => `${issue.path}: ${issue.message}`);
}

/** A one-host inventory around a host's extra YAML lines (indented for a list item). */
export function oneHost(lines: string): string {
  return `hosts:\n  - name: web1\n    address: 10.0.0.1\n    user: kcm\n    privateKey: /k\n${lines}`;
}
