// What the benchmark scripts share.

/** Progress on stderr, so stdout holds only the figures. */
export function stage(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** POSTs one GraphQL operation to the gateway; fails on any error. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(`HTTP ${response.status}: ${JSON.stringify(body)}`);
  return body.data;
}
