// A process's live heap, read through its inspector (Chrome DevTools Protocol): a full garbage
// collection first, so what is left is what the process holds, not garbage waiting to be
// collected. RSS alone moves with the collector's timing (one run 11 KiB, the next 20 KiB per
// subscriber for the same code); the heap after a collection is the figure to compare.
import WebSocket from "ws";

export interface HeapReading {
  /** V8 heap in use after a full collection. */
  heapUsed: number;
  /** Memory outside the V8 heap that JS objects hold (Buffers, sockets' native parts). */
  external: number;
  rss: number;
}

export async function heapAfterCollection(inspectorPort: number): Promise<HeapReading> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let next = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++next;
      const onMessage = (raw: WebSocket.RawData) => {
        const message = JSON.parse(String(raw)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (message.id !== id) return;
        ws.off("message", onMessage);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result ?? {});
      };
      ws.on("message", onMessage);
      ws.send(JSON.stringify({ id, method, params }));
    });
  try {
    // Twice: objects with finalizers or weak references are freed on the second pass.
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const { result } = (await call("Runtime.evaluate", { expression: "JSON.stringify(process.memoryUsage())", returnByValue: true })) as {
      result: { value: string };
    };
    const usage = JSON.parse(result.value) as { heapUsed: number; external: number; rss: number };
    return { heapUsed: usage.heapUsed, external: usage.external, rss: usage.rss };
  } finally {
    ws.close();
  }
}
