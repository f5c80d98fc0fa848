// The gateway's merging of entity fetches (gateway/src/entity-fetches.ts), without a graph: what
// one merged request looks like, and how its answer is split back among the fetches.
import { describe, expect, it } from "vitest";
import { parse, print } from "graphql";
import { EntityFetchMerger, isEntityFetch, type SubgraphOperation } from "../../gateway/src/entity-fetches.ts";

const OWNERS = "query Page__identity__2($representations:[_Any!]!){_entities(representations:$representations){...on User{displayName}}}";
const AVATARS =
  "query Page__identity__5($representations:[_Any!]!,$size:Int){_entities(representations:$representations){...U}} fragment U on User{avatar(size:$size){url}}";

function merger(answer: (operation: SubgraphOperation) => object) {
  const sent: SubgraphOperation[] = [];
  const merging = new EntityFetchMerger(async (_context, operation) => {
    sent.push(operation);
    return answer(operation);
  });
  return { merging, sent };
}

describe("entity fetches started together", () => {
  it("go as one request, each answered with its own part, errors by their path", async () => {
    const { merging, sent } = merger(() => ({
      data: { _0__entities: [{ displayName: "Ann" }, null], _1__entities: [{ avatar: { url: "/a.png" } }] },
      errors: [
        { message: "gone", path: ["_0__entities", 1, "displayName"] },
        { message: "throttled" }, // no path: the whole request's
      ],
    }));
    const context = {};
    const [owners, avatars] = await Promise.all([
      merging.fetch(context, { query: OWNERS, operationName: "Page__identity__2", variables: { representations: [{ id: "1" }, { id: "2" }] } }),
      merging.fetch(context, { query: AVATARS, operationName: "Page__identity__5", variables: { representations: [{ id: "1" }], size: 64 } }),
    ]);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.variables).toEqual({ _0_representations: [{ id: "1" }, { id: "2" }], _1_representations: [{ id: "1" }], _1_size: 64 });
    expect(print(parse(sent[0]!.query))).toBe(
      print(
        parse(`query Page__identity__2($_0_representations: [_Any!]!, $_1_representations: [_Any!]!, $_1_size: Int) {
          _0__entities: _entities(representations: $_0_representations) { ... on User { displayName } }
          _1__entities: _entities(representations: $_1_representations) { ..._1_U }
        }
        fragment _1_U on User { avatar(size: $_1_size) { url } }`),
      ),
    );
    expect(owners).toEqual({
      data: { _entities: [{ displayName: "Ann" }, null] },
      errors: [{ message: "gone", path: ["_entities", 1, "displayName"] }, { message: "throttled" }],
    });
    expect(avatars).toEqual({ data: { _entities: [{ avatar: { url: "/a.png" } }] }, errors: [{ message: "throttled" }] });
  });

  it("goes alone when it is the only one, and never joins another client operation's", async () => {
    const { merging, sent } = merger((operation) => ({ data: { _entities: [] }, echo: operation.operationName }));
    const alone = { query: OWNERS, operationName: "Page__identity__2", variables: { representations: [] } };
    await Promise.all([merging.fetch({}, alone), merging.fetch({}, alone)]);
    // Two contexts (two client operations): each fetch as it was given.
    expect(sent).toEqual([alone, alone]);
  });

  it("fails every fetch of a merged request that failed", async () => {
    const { merging } = merger(() => {
      throw new Error("identity unreachable");
    });
    const context = {};
    const results = await Promise.allSettled([
      merging.fetch(context, { query: OWNERS, variables: { representations: [] } }),
      merging.fetch(context, { query: AVATARS, variables: { representations: [] } }),
    ]);
    expect(results.map((r) => r.status === "rejected" && (r.reason as Error).message)).toEqual(["identity unreachable", "identity unreachable"]);
  });

  it("are told apart from other fetches: only _entities queries with representations and no extensions merge", () => {
    expect(isEntityFetch({ query: OWNERS, variables: { representations: [] } })).toBe(true);
    expect(isEntityFetch({ query: "query { me { id } }", variables: {} })).toBe(false);
    expect(isEntityFetch({ query: OWNERS, variables: { representations: [] }, extensions: { persistedQuery: {} } })).toBe(false);
  });
});
