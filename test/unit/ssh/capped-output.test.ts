import fc from "fast-check";
import { expect, it } from "vitest";
import { CappedOutput } from "../../../src/ssh/capped-output.js";

it("keeps everything under the limit", () => {
  const out = new CappedOutput(100);
  out.push(Buffer.from("hello "));
  out.push(Buffer.from("world"));
  expect(out.toString()).toBe("hello world");
  expect(out.omittedBytes).toBe(0);
});

it("keeps the head and the tail of a runaway output, and says how much it dropped", () => {
  const out = new CappedOutput(20);
  for (let i = 0; i < 1000; i++) out.push(Buffer.from(`${i}\n`));
  const text = out.toString();
  expect(text.startsWith("0\n1\n2\n3\n4\n")).toBe(true);
  expect(text.endsWith("\n998\n999\n")).toBe(true);
  expect(out.omittedBytes).toBe(3890 - 20);
  expect(text).toContain(`[... ${3890 - 20} bytes of output omitted ...]`);
});

it("never holds more than its limit, whatever the chunks", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 })),
      fc.integer({ min: 2, max: 500 }),
      (chunks, limit) => {
        const out = new CappedOutput(limit);
        let total = 0;
        for (const chunk of chunks) {
          out.push(Buffer.from(chunk));
          total += chunk.length;
        }
        expect(out.omittedBytes).toBe(Math.max(0, total - limit));
      },
    ),
  );
});
