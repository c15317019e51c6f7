/**
 * Keeps the first and last bytes of a stream and counts the rest, so a command that prints megabytes costs the worker
 * a fixed amount of memory. The head shows how a command started (often the first compiler error), the tail how it
 * ended (a test runner's summary), so the tail gets three quarters of the cap.
 */
export class OutputBuffer {
  private readonly headCap: number;
  private readonly tailCap: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  // Invariant: the chunks of `tail` hold at most tailCap bytes plus one chunk, and end with the newest byte seen.
  private tail: Buffer[] = [];
  private tailBytes = 0;
  /** Bytes written in total, kept or not. */
  totalBytes = 0;

  constructor(maxBytes: number) {
    this.headCap = Math.floor(maxBytes / 4);
    this.tailCap = maxBytes - this.headCap;
  }

  write(chunk: Buffer): void {
    this.totalBytes += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headCap) {
      const taken = rest.subarray(0, this.headCap - this.headBytes);
      this.head.push(taken);
      this.headBytes += taken.length;
      rest = rest.subarray(taken.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailCap) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** The kept text; when bytes were dropped, a line in between says how many. */
  text(): string {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (this.totalBytes <= head.length + tail.length && tail.length <= this.tailCap) {
      return Buffer.concat([head, tail]).toString('utf8');
    }
    const shownHead = withoutTrailingPartial(head);
    let shownTail = tail.subarray(tail.length - this.tailCap);
    // Skip UTF-8 continuation bytes so the tail does not open with a broken character.
    let start = 0;
    while (start < 3 && start < shownTail.length && (shownTail[start]! & 0xc0) === 0x80) start++;
    shownTail = shownTail.subarray(start);
    const cut = this.totalBytes - shownHead.length - shownTail.length;
    return `${shownHead.toString('utf8')}\n… ${cut} bytes cut …\n${shownTail.toString('utf8')}`;
  }
}

/** Drops an incomplete UTF-8 sequence at the end of the head (its missing bytes were cut). */
function withoutTrailingPartial(buf: Buffer): Buffer {
  for (let back = 1; back <= Math.min(4, buf.length); back++) {
    const byte = buf[buf.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? buf.subarray(0, buf.length - back) : buf;
  }
  return buf;
}
