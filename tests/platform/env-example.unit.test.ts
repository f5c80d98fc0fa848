// .env.example is the configuration's documentation: every variable the schema reads is in it,
// nothing else is, and each value it shows is what an unset variable means (the default).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONFIG_VARIABLES, loadConfig } from "@localex/common";

interface Line {
  name: string;
  value: string;
  /** `# NAME=value`: optional, shown as an example, not set. */
  commented: boolean;
}

/** The `NAME=value` and `# NAME=value` lines of an env file. */
function variablesIn(text: string): Line[] {
  return text.split("\n").flatMap((line) => {
    const match = /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    // A value may be followed by a comment (` # production 10/3600`).
    return match ? [{ name: match[2]!, value: match[3]!.replace(/\s+#.*$/, ""), commented: match[1] !== undefined }] : [];
  });
}

/** Where two configurations differ: each setting's section path and its value in `defaults`. */
function differences(config: object, defaults: object, path = ""): string[] {
  return Object.entries(defaults).flatMap(([key, value]) => {
    const other = (config as Record<string, unknown>)[key];
    if (value && typeof value === "object" && !Array.isArray(value) && other && typeof other === "object") return differences(other, value, `${path}${key}.`);
    return JSON.stringify(other) === JSON.stringify(value) ? [] : [`${path}${key}: ${JSON.stringify(value)}`];
  });
}

/** What is wrong with an env file as the documentation of the configuration. */
function problemsOf(text: string): string[] {
  const lines = variablesIn(text);
  const listed = new Set(lines.map((l) => l.name));
  // OpenTelemetry's SDK reads its standard OTEL_* variables itself (packages/common/src/telemetry).
  const known = new Set<string>([...CONFIG_VARIABLES, ...lines.filter((l) => l.name.startsWith("OTEL_")).map((l) => l.name)]);
  const problems = [
    ...CONFIG_VARIABLES.filter((name) => !listed.has(name)).map((name) => `${name} is read by the configuration but missing`),
    ...lines.filter((l) => !known.has(l.name)).map((l) => `${l.name} is listed but the configuration does not read it`),
  ];
  const defaults = loadConfig({ NODE_ENV: "development" });
  // A commented line is an example of an optional setting (it may hold a placeholder); a set line
  // must be accepted and mean what leaving it unset means.
  for (const line of lines.filter((l) => !l.commented && CONFIG_VARIABLES.includes(l.name as never))) {
    let parsed;
    try {
      parsed = loadConfig({ NODE_ENV: "development", [line.name]: line.value });
    } catch (e) {
      problems.push(`${line.name}=${line.value} is refused: ${(e as Error).message}`);
      continue;
    }
    const changed = differences(parsed, defaults);
    if (changed.length > 0) problems.push(`${line.name}=${line.value} is not its default (${changed.join(", ")})`);
  }
  return problems;
}

describe(".env.example", () => {
  const example = readFileSync(new URL("../../.env.example", import.meta.url), "utf8");

  it("lists every variable the configuration reads, only those, each set line at its default", () => {
    expect(problemsOf(example)).toEqual([]);
  });

  it("would be caught missing a variable, listing an unknown one, or showing a value that is not the default", () => {
    const [first] = variablesIn(example).filter((l) => !l.commented && l.name !== "NODE_ENV");
    const withoutFirst = example.replace(new RegExp(`^${first!.name}=.*$`, "m"), "");
    expect(problemsOf(withoutFirst)).toEqual([`${first!.name} is read by the configuration but missing`]);
    expect(problemsOf(`${example}\nNOT_A_SETTING=1\n`)).toEqual(["NOT_A_SETTING is listed but the configuration does not read it"]);
    expect(problemsOf(example.replace(/^SUBGRAPH_TIMEOUT_SECONDS=30$/m, "SUBGRAPH_TIMEOUT_SECONDS=31"))).toEqual([
      "SUBGRAPH_TIMEOUT_SECONDS=31 is not its default (server.subgraphTimeoutSeconds: 30)",
    ]);
  });
});
