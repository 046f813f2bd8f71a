/**
 * Collects a command's output up to `limitBytes`, keeping the first and the
 * last halves, so a runaway command cannot exhaust memory and the end (where
 * yum prints its error) is never lost.
 */
export class CappedOutput {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private omitted = 0;

  constructor(private readonly limitBytes: number) {}

  push(chunk: Buffer): void {
    const headRoom = Math.floor(this.limitBytes / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    const tailLimit = this.limitBytes - Math.floor(this.limitBytes / 2);
    if (this.tailBytes > tailLimit) {
      const joined = Buffer.concat(this.tail);
      const drop = joined.length - tailLimit;
      this.omitted += drop;
      this.tail = [joined.subarray(drop)];
      this.tailBytes = tailLimit;
    }
  }

  /** Bytes dropped from the middle. */
  get omittedBytes(): number {
    return this.omitted;
  }

  toString(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    const tail = Buffer.concat(this.tail).toString("utf8");
    if (this.omitted === 0) return head + tail;
    return `${head}\n[... ${this.omitted} bytes of output omitted ...]\n${tail}`;
  }
}
