// Reading a process's `GET /metrics` (Prometheus's text format) as a scraper would.

/** The `/metrics` address of a piece, from its GraphQL URL (`…/graphql`). */
export const metricsUrlOf = (graphqlUrl: string): string => graphqlUrl.replace(/\/graphql$/, "/metrics");

/** Scrapes `url`: each sample line's value, by `name{labels}` exactly as written. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const response = await fetch(url, { headers });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** One sample's value (0 when absent): `name` with exactly these labels, in prom-client's order (as given). */
export function sample(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  const written = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  return samples.get(written ? `${name}{${written}}` : name) ?? 0;
}

/** SQL statements `application` (e.g. `localex-media`) has sent, from a piece's /metrics. */
export async function sqlStatements(metricsUrl: string, application: string): Promise<number> {
  return sample(await scrape(metricsUrl), "localex_sql_statements_total", { application });
}
