import { Kind, valueFromASTUntyped, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";

/**
 * The `first` of every `edges { node { similar(first:) } }` the operation asks of a search page
 * (each alias's own; null where `first` is left out), through inline and named fragments.
 * Knowing them while the hits are found lets one question to listings cover the hits and their
 * similar listings (search.service.ts), instead of one for each.
 */
export function selectedSimilarCounts(info: GraphQLResolveInfo): (number | null)[] {
  const counts: (number | null)[] = [];
  for (const field of info.fieldNodes) {
    for (const edges of fieldsNamed(field.selectionSet, "edges", info.fragments)) {
      for (const node of fieldsNamed(edges.selectionSet, "node", info.fragments)) {
        for (const similar of fieldsNamed(node.selectionSet, "similar", info.fragments)) {
          const first = similar.arguments?.find((a) => a.name.value === "first");
          const value = first ? valueFromASTUntyped(first.value, info.variableValues) : null;
          counts.push(typeof value === "number" ? value : null);
        }
      }
    }
  }
  return counts;
}

function fieldsNamed(set: SelectionSetNode | undefined, name: string, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  if (!set) return [];
  const found: FieldNode[] = [];
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) found.push(selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      found.push(...fieldsNamed(selection.selectionSet, name, fragments));
    } else {
      found.push(...fieldsNamed(fragments[selection.name.value]?.selectionSet, name, fragments));
    }
  }
  return found;
}
