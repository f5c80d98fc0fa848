import { readdirSync, readFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from "graphql";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { INTERNAL_FIELD_CALLERS, SUBGRAPH_NAMES, type InternalRequester } from "@localex/common";
import { internalDifferences, internalDocumentFiles } from "../../packages/stack/src/internal-operations.ts";
import { CurrentAdminDocument } from "../../packages/common/src/identity-client.generated.ts";

/**
 * Calls between subgraphs are typed (docs/contracts.md, section 3): every one sends a document
 * generated from `<callee>-client.graphql` against the callee's schema, from the
 * `<callee>-client.ts` beside it. A static scan of the callers' source finds what would undo
 * that: GraphQL operation text in a string, a string handed to `internal.request`, or an internal
 * call made anywhere but its callee's client file.
 */
const ROOT = join(import.meta.dirname, "../..");
const SCANNED = ["subgraphs", "packages/common/src"];

type Rule = "operation-text" | "string-document" | "outside-client";
interface Finding {
  line: number;
  rule: Rule;
}

function sourceFiles(): string[] {
  return SCANNED.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
      .filter((path) => path.endsWith(".ts") && !path.split("/").includes("node_modules"))
      .map((path) => join(dir, path)),
  );
}

/** Text that parses as a GraphQL operation (its substitutions, if a template, read as a name). */
function isOperationText(text: string): boolean {
  if (!/^\s*(query|mutation|subscription)\b/.test(text)) return false;
  try {
    return parse(text).definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION);
  } catch {
    return false;
  }
}

/** Every finding in one file's source; `fileName` decides whether it is a `<callee>-client.ts`. */
export function scanSource(fileName: string, source: string): Finding[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const literalText = (node: ts.Node): string | null => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
    if (ts.isTemplateExpression(node)) return node.head.text + node.templateSpans.map((span) => `x${span.literal.text}`).join("");
    return null;
  };
  // Names bound to a string anywhere in the file (`const QUERY = \`...\``).
  const strings = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && literalText(node.initializer) !== null) strings.add(node.name.text);
    ts.forEachChild(node, collect);
  };
  collect(file);
  const isString = (node: ts.Node) => literalText(node) !== null || (ts.isIdentifier(node) && strings.has(node.text));
  const callee = /^([a-z]+)-client\.ts$/.exec(basename(fileName))?.[1];

  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    const text = literalText(node);
    if (text !== null && isOperationText(text)) findings.push({ line: lineOf(node), rule: "operation-text" });
    if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === "request") {
      if (/\binternal$/i.test(node.expression.expression.getText(file))) {
        const [target, document] = node.arguments;
        if (document && isString(document)) findings.push({ line: lineOf(node.expression.name), rule: "string-document" });
        const named = target && ts.isStringLiteral(target) ? target.text : null;
        if (!callee || named !== callee) findings.push({ line: lineOf(node.expression.name), rule: "outside-client" });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return findings;
}

/** The fixture's `// report: a, b` comments, as the findings the scan must make. */
function expectedFindings(source: string): Finding[] {
  return source.split("\n").flatMap((line, i) => {
    const rules = /\/\/ report: (.+)$/.exec(line)?.[1];
    return rules ? rules.split(", ").map((rule) => ({ line: i + 1, rule: rule as Rule })) : [];
  });
}

const sorted = (findings: Finding[]) => [...findings].sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));

describe("internal calls", () => {
  it("finds every untyped style in the positive control, and lets a typed call in its client file through", () => {
    const fixture = readFileSync(join(import.meta.dirname, "fixtures/untyped-internal-calls.ts.txt"), "utf8");
    const expected = expectedFindings(fixture);
    expect(expected.length).toBeGreaterThanOrEqual(10);
    expect(sorted(scanSource("fixtures/untyped-internal-calls.ts", fixture))).toEqual(sorted(expected));

    const typed = `export const info = (internal: InternalRequester, ids: string[]) =>\n  internal.request("listings", TradeListingInfoDocument, { ids });`;
    expect(scanSource("subgraphs/trades/src/partners/listings-client.ts", typed)).toEqual([]);
    // The same call from another callee's client file names the wrong subgraph.
    expect(scanSource("subgraphs/trades/src/partners/ledger-client.ts", typed)).toEqual([{ line: 2, rule: "outside-client" }]);
  });

  it("has no GraphQL operation text and no untyped or misplaced internal call in subgraphs/ or packages/common/src", () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(200);
    const findings = files.flatMap((path) => scanSource(path, readFileSync(join(ROOT, path), "utf8")).map((f) => `${path}:${f.line} ${f.rule}`));
    expect(findings).toEqual([]);
  });

  it("asks each internal field only from a subgraph INTERNAL_FIELD_CALLERS lets call it", async () => {
    const files = await internalDocumentFiles();
    expect(files.length).toBeGreaterThanOrEqual(15);
    const refused: string[] = [];
    for (const file of files) {
      const caller = /^subgraphs\/([a-z]+)\//.exec(file.path)?.[1];
      const document: DocumentNode = parse(readFileSync(join(ROOT, file.path), "utf8"));
      for (const operation of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
        const type = operation.operation === "query" ? "Query" : "Mutation";
        for (const selection of operation.selectionSet.selections) {
          if (selection.kind !== Kind.FIELD) continue;
          const callers = (INTERNAL_FIELD_CALLERS as Record<string, readonly string[]>)[`${type}.${selection.name.value}`];
          // The shared package's calls are made by whichever subgraph runs it; public fields need no leave.
          if (callers && caller && !callers.includes(caller)) refused.push(`${file.path}: ${caller} may not call ${type}.${selection.name.value}`);
        }
      }
    }
    expect(refused).toEqual([]);
    expect(new Set(files.map((f) => f.callee)).size).toBe(SUBGRAPH_NAMES.length - 1); // every subgraph but search is called
  });

  it("has generated documents that are up to date with their operations and the callees' schemas", async () => {
    // On failure: run `pnpm internal:generate` (after `pnpm schema:compose`) and commit the result.
    expect(await internalDifferences()).toEqual([]);
  }, 120_000);
});

// Compile-time checks (`pnpm typecheck`): a document's variables and result are its own.
export async function typedOnly(internal: InternalRequester): Promise<void> {
  // @ts-expect-error a string is no longer a document
  await internal.request("identity", `query ($userId: ID!) { memberRole(userId: $userId) }`, { userId: "u" });
  // @ts-expect-error the variables are the document's (userId, not id)
  await internal.request("identity", CurrentAdminDocument, { id: "u" });
  const { memberRole } = await internal.request("identity", CurrentAdminDocument, { userId: "u" });
  // @ts-expect-error the result is the document's: a UserRole or null, never a number
  const wrong: number = memberRole;
  void wrong;
}
