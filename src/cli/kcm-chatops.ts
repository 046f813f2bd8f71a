#!/usr/bin/env node
import { once } from "node:events";
import { main } from "./main.js";

main(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  drain: () =>
    process.stdout.writableNeedDrain
      ? once(process.stdout, "drain").then(() => {})
      : Promise.resolve(),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `kcm-chatops: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 70;
  },
);
